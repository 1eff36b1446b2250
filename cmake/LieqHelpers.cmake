# Shared CMake helpers: warnings, torch precompiled header, test registration.

function(lieq_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
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
        target_precompile_headers(${name} REUSE_FROM lieq_torch_pch)
    endif()
    set_property(GLOBAL APPEND PROPERTY LIEQ_CORE_MODULES ${name})
endfunction()

# Qt Test executable registered with ctest under a label (unit, gui, slow, bench, integration).
#   lieq_add_test(tst_safetensors SOURCES tst_safetensors.cpp LIBS lieq_io LABELS unit)
function(lieq_add_test name)
    cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
    target_link_libraries(${name} PRIVATE Qt6::Core Qt6::Test lieq_testutil ${T_LIBS})
    target_compile_definitions(${name} PRIVATE QT_NO_KEYWORDS QT_USE_QSTRINGBUILDER
        LIEQ_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    lieq_set_warnings(${name})
    add_test(NAME ${name} COMMAND ${name})
    if(NOT T_LABELS)
        set(T_LABELS unit)
    endif()
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 600)
    endif()
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;LIEQ_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared;LIEQ_BUILD_DIR=${PROJECT_BINARY_DIR};${T_ENV}")
endfunction()
