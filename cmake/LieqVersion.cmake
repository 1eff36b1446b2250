# Version headers that carry the git hash of the commit actually built, not the one present when
# CMake last configured: the header is regenerated on every build by a custom target (restat keeps
# dependents from recompiling while the hash is unchanged).
#   lieq_version_header(lieq version.h.in ${CMAKE_CURRENT_BINARY_DIR}/lieq_version.h)
function(lieq_version_header target template output)
    get_filename_component(template ${template} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    set(args -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DTEMPLATE=${template} -DOUTPUT=${output}
             -DPROJECT_VERSION=${PROJECT_VERSION})
    set(script ${PROJECT_SOURCE_DIR}/cmake/LieqGitVersion.cmake)
    # Once now, so the header exists for IDEs and the first build.
    execute_process(COMMAND ${CMAKE_COMMAND} ${args} -P ${script} COMMAND_ERROR_IS_FATAL ANY)
    add_custom_target(${target}_version
        COMMAND ${CMAKE_COMMAND} ${args} -P ${script}
        BYPRODUCTS ${output}
        COMMENT "" VERBATIM)
    add_dependencies(${target} ${target}_version)
endfunction()
