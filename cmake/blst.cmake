# blst (BLS12-381 for tz4), as the imported target sigil::blst linked into
# sigil_crypto. Included from CMakeLists.txt once sigil_crypto exists.
#
# Where it comes from, first match wins:
#   1. BLST_DIR (cache or environment variable): a built blst tree holding
#      libblst.a and blst.h (at its top, in bindings/ or in include/);
#   2. a system blst that pkg-config knows as libblst;
#   3. scripts/blst.sh: `npm pack` of the pinned @chainsafe/blst@0.2.11, its
#      integrity hash checked, built with blst's own build.sh into this build
#      tree at configure time. A later configure finds it built and does not
#      fetch again; the tarball is cached under ~/.cache/sigil for other trees.

if(NOT BLST_DIR AND DEFINED ENV{BLST_DIR})
  set(BLST_DIR "$ENV{BLST_DIR}" CACHE PATH "a built blst tree (libblst.a, blst.h)" FORCE)
endif()
set(BLST_DIR "${BLST_DIR}" CACHE PATH "a built blst tree (libblst.a, blst.h)")

set(_blst_lib "")
set(_blst_inc "")

if(BLST_DIR)
  # NO_DEFAULT_PATH: an explicit BLST_DIR must not silently fall back to
  # whatever else the system has.
  unset(_blst_lib_found CACHE)
  unset(_blst_inc_found CACHE)
  find_library(_blst_lib_found NAMES libblst.a PATHS ${BLST_DIR}
               PATH_SUFFIXES . lib bindings NO_DEFAULT_PATH)
  find_path(_blst_inc_found blst.h PATHS ${BLST_DIR}
            PATH_SUFFIXES . bindings include NO_DEFAULT_PATH)
  if(NOT _blst_lib_found OR NOT _blst_inc_found)
    message(FATAL_ERROR "BLST_DIR=${BLST_DIR} holds no libblst.a and blst.h "
                        "(looked in it, lib/, bindings/ and include/)")
  endif()
  set(_blst_lib ${_blst_lib_found})
  set(_blst_inc ${_blst_inc_found})
  message(STATUS "blst: ${_blst_lib} (BLST_DIR)")
else()
  pkg_check_modules(BLST QUIET IMPORTED_TARGET libblst)
endif()

if(_blst_lib)
  add_library(sigil::blst STATIC IMPORTED)
  set_target_properties(sigil::blst PROPERTIES IMPORTED_LOCATION ${_blst_lib}
                        INTERFACE_INCLUDE_DIRECTORIES ${_blst_inc})
elseif(BLST_FOUND)
  message(STATUS "blst: system libblst ${BLST_VERSION} (pkg-config)")
  # Some packagings put the header in a blst/ subfolder of the include dir.
  unset(_blst_sys_inc CACHE)
  find_path(_blst_sys_inc blst.h HINTS ${BLST_INCLUDE_DIRS} PATH_SUFFIXES blst)
  add_library(sigil::blst INTERFACE IMPORTED)
  target_link_libraries(sigil::blst INTERFACE PkgConfig::BLST)
  if(_blst_sys_inc)
    target_include_directories(sigil::blst SYSTEM INTERFACE ${_blst_sys_inc})
  endif()
else()
  set(_blst_out ${CMAKE_BINARY_DIR}/_deps/blst)
  execute_process(
    COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/blst.sh ${_blst_out}
    RESULT_VARIABLE _blst_rc
    OUTPUT_VARIABLE _blst_log
    ERROR_VARIABLE _blst_log)
  if(NOT _blst_rc EQUAL 0)
    message(FATAL_ERROR "blst: could not fetch or build blst, which tz4 keys need.\n"
                        "${_blst_log}\n"
                        "Fix the network (npm must reach its registry), or build blst "
                        "yourself and configure with -DBLST_DIR=<dir with libblst.a and blst.h>.")
  endif()
  if(_blst_log)
    string(STRIP "${_blst_log}" _blst_log)
    message(STATUS "${_blst_log}")
  endif()
  message(STATUS "blst: ${_blst_out}/lib/libblst.a (@chainsafe/blst 0.2.11, blst 0.3.10)")
  add_library(sigil::blst STATIC IMPORTED)
  set_target_properties(sigil::blst PROPERTIES
                        IMPORTED_LOCATION ${_blst_out}/lib/libblst.a
                        INTERFACE_INCLUDE_DIRECTORIES ${_blst_out}/include)
  # Re-run configure (and so scripts/blst.sh) when the recipe changes.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_SOURCE_DIR}/scripts/blst.sh)
endif()

target_link_libraries(sigil_crypto PUBLIC sigil::blst)
