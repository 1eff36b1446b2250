# Shared CMake helpers: warnings, torch precompiled header, test registration.

function(lieq_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# Whether a source file includes torch: directly (<torch/...>, <ATen/...>) or through one of the
# project's *_impl.h headers (tests: *_fixtures.h, bench_common.h), the only headers that may.
function(lieq_source_uses_torch src out)
    get_filename_component(abs ${src} ABSOLUTE)
    file(STRINGS ${abs} hits REGEX "^#include [<\"](torch/|ATen/|[^\"]*_(impl|fixtures)\\.h|[^\"]*bench_common\\.h)")
    if(hits)
        set(${out} TRUE PARENT_SCOPE)
    else()
        set(${out} FALSE PARENT_SCOPE)
    endif()
endfunction()

# The shared <torch/torch.h> precompiled header for the sources of `target` that include torch;
# `out` is set to whether any does. The others skip it: loading a ~1 GB PCH costs a 50-line file
# 20 s on this machine, and half of the TORCH modules' files never touch torch. (Decided at
# configure time: a file that starts to include torch later still builds, only without the PCH,
# until the next configure.)
function(lieq_use_torch_pch target out)
    set(uses FALSE)
    foreach(src ${ARGN})
        lieq_source_uses_torch(${src} t)
        if(t)
            set(uses TRUE)
        else()
            set_source_files_properties(${src} TARGET_DIRECTORY ${target}
                PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
        endif()
    endforeach()
    if(uses)
        target_precompile_headers(${target} REUSE_FROM lieq_torch_pch)
    endif()
    set(${out} ${uses} PARENT_SCOPE)
endfunction()

# Core module library. Usage:
#   lieq_add_module(lieq_io SOURCES a.cpp b.cpp LIBS nlohmann_json::nlohmann_json [TORCH])
# TORCH links libtorch privately and reuses one precompiled header for <torch/torch.h>.
function(lieq_add_module name)
    cmake_parse_arguments(M "TORCH" "" "SOURCES;LIBS;PUBLIC_LIBS" ${ARGN})
    add_library(${name} STATIC ${M_SOURCES})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} PUBLIC ${M_PUBLIC_LIBS} PRIVATE ${M_LIBS})
    lieq_set_warnings(${name})
    if(M_TORCH)
        target_link_libraries(${name} PUBLIC lieq_torch)
        lieq_use_torch_pch(${name} uses_torch ${M_SOURCES})
    endif()
    set_property(GLOBAL APPEND PROPERTY LIEQ_CORE_MODULES ${name})
endfunction()

# What the programs set for themselves before libtorch and OpenBLAS start
# (core/util/thread_environment.h), so that tests run the libraries as users do.
set(LIEQ_THREAD_ENV "OMP_NUM_THREADS=1;OMP_WAIT_POLICY=PASSIVE;GOMP_SPINCOUNT=0;OPENBLAS_NUM_THREADS=1;MKL_NUM_THREADS=1")

# Qt Test executable registered with ctest under a label (unit, gui, slow, bench, integration).
#   lieq_add_test(tst_safetensors SOURCES tst_safetensors.cpp LIBS lieq_io LABELS unit)
# CLI: the test runs the real `lieq` binary (LIEQ_CLI_PATH), which is built first.
function(lieq_add_test name)
    cmake_parse_arguments(T "CLI" "TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
    target_link_libraries(${name} PRIVATE Qt6::Core Qt6::Test lieq_testutil ${T_LIBS})
    target_compile_definitions(${name} PRIVATE QT_NO_KEYWORDS QT_USE_QSTRINGBUILDER
        LIEQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    lieq_set_warnings(${name})
    # Tests that include torch reuse the core's precompiled header (parsing torch.h from scratch
    # costs about a minute per file).
    lieq_use_torch_pch(${name} uses_torch ${T_SOURCES})
    if(uses_torch)
        target_link_libraries(${name} PRIVATE lieq_torch)
        set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/${name}_autogen/mocs_compilation.cpp
            TARGET_DIRECTORY ${name} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
    if(T_CLI)
        target_compile_definitions(${name} PRIVATE LIEQ_CLI_PATH="$<TARGET_FILE:lieq>")
        add_dependencies(${name} lieq)
    endif()
    add_test(NAME ${name} COMMAND ${name})
    if(NOT T_LABELS)
        set(T_LABELS unit)
    endif()
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 600)
    endif()
    # Under ASan/UBSan (-O1, shadow checks on every access) the same workload runs several times
    # slower; the limits stay meant as "hung", not as a speed requirement.
    if(LIEQ_ENABLE_ASAN)
        math(EXPR T_TIMEOUT "${T_TIMEOUT} * 4")
    endif()
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;${LIEQ_THREAD_ENV};LIEQ_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared;LIEQ_BUILD_DIR=${PROJECT_BINARY_DIR};${T_ENV}")
endfunction()
