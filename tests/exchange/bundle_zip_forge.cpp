#include "tests/exchange/bundle_zip_forge.h"

#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipnewinfo.h>

#include <QFile>
#include <QTest>

#include <cstring>

std::vector<ForgedEntry> readZipEntries(const QString &path)
{
    QuaZip zip(path);
    if (!zip.open(QuaZip::mdUnzip))
        qFatal("cannot open %s", qPrintable(path));
    std::vector<ForgedEntry> out;
    for (bool more = zip.goToFirstFile(); more; more = zip.goToNextFile()) {
        QuaZipFile f(&zip);
        f.open(QIODevice::ReadOnly);
        out.push_back({zip.getCurrentFileName(), f.readAll(), 0100644});
        f.close();
    }
    return out;
}

void writeZip(const QString &path, const std::vector<ForgedEntry> &entries)
{
    QFile::remove(path);
    QuaZip zip(path);
    zip.setZip64Enabled(false);
    zip.setDataDescriptorWritingEnabled(false);
    if (!zip.open(QuaZip::mdCreate))
        qFatal("cannot create %s", qPrintable(path));
    for (const ForgedEntry &e : entries) {
        QuaZipNewInfo info(e.name);
        info.externalAttr = quint32(e.unixMode) << 16;
        QuaZipFile f(&zip);
        if (!f.open(QIODevice::WriteOnly, info, nullptr, 0, Z_DEFLATED, 6))
            qFatal("cannot add %s", qPrintable(e.name));
        f.write(e.data);
        f.close();
    }
    zip.close();
}

void patchDeclaredSize(const QString &path, const QString &name, quint32 size)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadWrite))
        qFatal("cannot patch %s", qPrintable(path));
    QByteArray z = f.readAll();
    const QByteArray n = name.toUtf8();
    auto put32 = [&](qsizetype at, quint32 v) {
        for (int i = 0; i < 4; ++i)
            z[at + i] = char((v >> (8 * i)) & 0xff);
    };
    auto get16 = [&](qsizetype at) { return int(quint8(z[at])) | int(quint8(z[at + 1])) << 8; };
    int patched = 0;
    // Local header: signature PK\3\4, uncompressed size at 22, name length at 26, name at 30.
    for (qsizetype at = z.indexOf("PK\x03\x04"); at >= 0; at = z.indexOf("PK\x03\x04", at + 4))
        if (get16(at + 26) == n.size() && z.mid(at + 30, n.size()) == n) {
            put32(at + 22, size);
            ++patched;
        }
    // Central directory: signature PK\1\2, uncompressed size at 24, name length at 28, name at 46.
    for (qsizetype at = z.indexOf("PK\x01\x02"); at >= 0; at = z.indexOf("PK\x01\x02", at + 4))
        if (get16(at + 28) == n.size() && z.mid(at + 46, n.size()) == n) {
            put32(at + 24, size);
            ++patched;
        }
    if (patched != 2)
        qFatal("patched %d headers of %s", patched, qPrintable(name));
    f.seek(0);
    f.write(z);
}
