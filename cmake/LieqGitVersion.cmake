# Script mode (cmake -P): writes a version header from TEMPLATE to OUTPUT with PROJECT_VERSION and
# the current git hash. configure_file() rewrites OUTPUT only when its text changes, so running this
# on every build (see LieqVersion.cmake) recompiles nothing until HEAD moves.
# Inputs: -DSOURCE_DIR= -DTEMPLATE= -DOUTPUT= -DPROJECT_VERSION=
foreach(v SOURCE_DIR TEMPLATE OUTPUT PROJECT_VERSION)
    if(NOT DEFINED ${v})
        message(FATAL_ERROR "LieqGitVersion.cmake: -D${v}= is required")
    endif()
endforeach()
find_package(Git QUIET)
set(LIEQ_GIT_HASH "")
if(GIT_EXECUTABLE)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_VARIABLE LIEQ_GIT_HASH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(NOT LIEQ_GIT_HASH)
    # A source tarball without .git: say so instead of inventing a hash.
    set(LIEQ_GIT_HASH "unknown")
endif()
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
