# The crash and race harness (make torture, tests/integration/test_torture.sh
# and test_race.sh): a client that drives a real sigild. It links only the
# Tezos encodings and signature checks, never the daemon's pipeline.
if(SIGIL_TESTS AND TARGET sigil)
  file(GLOB _torture_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/torture/*.c)
  add_executable(torture_client ${_torture_srcs})
  target_link_libraries(torture_client PRIVATE sigil_chain Threads::Threads)
endif()
