// Device availability as the GUI asks for it: the list agrees with what Model::load accepts.
// On a CPU-only libtorch (Debian's) "cuda" is absent and requesting it fails with a clear error;
// on a CUDA build with a GPU it is listed and a model really loads onto it.
#include "core/model/device.h"
#include "core/model/model.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"

#include <QTest>

#include <algorithm>

using namespace lieq;

class TestDevice : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cpuAlwaysFirst()
    {
        const auto devices = availableDevices();
        QVERIFY(!devices.empty());
        QCOMPARE(devices.front(), std::string("cpu"));
        const bool listed = std::find(devices.begin(), devices.end(), "cuda") != devices.end();
        QCOMPARE(listed, cudaAvailable());
        QCOMPARE(cudaDeviceCount() > 0, cudaAvailable());
    }

    // What the list promises is what loading a model does.
    void listAgreesWithModelLoad()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        ModelOptions cpu;
        cpu.device = "cpu";
        QCOMPARE(Model::load(modelDir, cpu)->deviceName(), std::string("cpu"));
        ModelOptions cuda;
        cuda.device = "cuda";
        if (cudaAvailable()) {
            QVERIFY(Model::load(modelDir, cuda)->deviceName().rfind("cuda", 0) == 0);
        } else {
            try {
                Model::load(modelDir, cuda);
                QFAIL("loading on cuda without a GPU must fail");
            } catch (const Error &e) {
                QVERIFY2(std::string(e.what()).find("cuda") != std::string::npos, e.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestDevice)
#include "tst_device.moc"
