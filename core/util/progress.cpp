#include "core/util/progress.h"

#include "core/util/error.h"

namespace lieq {

void reportProgress(const ProgressFn &fn, const Progress &p)
{
    if (fn && !fn(p))
        throw Cancelled();
}

} // namespace lieq
