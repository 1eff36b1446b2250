#include "core/util/progress.h"

#include "core/util/error.h"
#include "core/util/mapping_guard.h"

namespace lieq {

void reportProgress(const ProgressFn &fn, const Progress &p)
{
    // A model file cut short on disk mid-run fails the job here, naming the file.
    MappingGuard::throwIfChanged();
    if (fn && !fn(p))
        throw Cancelled();
}

} // namespace lieq
