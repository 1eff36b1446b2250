#pragma once

// QCOMPARE printing for store enums (found by argument-dependent lookup).

#include "core/store/records.h"

#include <QTest>

namespace lieq::store {

inline char *toString(const RunStatus &s) { return qstrdup(runStatusName(s).c_str()); }
inline char *toString(const RunKind &k) { return qstrdup(runKindName(k).c_str()); }

} // namespace lieq::store
