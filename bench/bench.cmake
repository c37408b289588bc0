# Benchmark tools (make bench, scripts/bench.sh). Figures only mean something
# with the normal Release flags, so nothing here is built in sanitizer or
# fuzzing builds.
if(SIGIL_SANITIZE OR SIGIL_FUZZ)
  return()
endif()

add_library(sigil_bench_common STATIC bench/common.c)
target_include_directories(sigil_bench_common PUBLIC ${CMAKE_SOURCE_DIR}/bench)

# Raw primitive speed: the libraries directly, and sigil's wrappers. blst is
# named although sigil_crypto carries it: raw.c calls it directly.
add_executable(bench_raw bench/raw.c)
target_link_libraries(bench_raw PRIVATE sigil_bench_common sigil_crypto sigil::blst)

# fdatasync latency in the watermark directory.
add_executable(bench_fsync bench/fsync.c)
target_link_libraries(bench_fsync PRIVATE sigil_bench_common)

# The bare reference servers: libmicrohttpd + one chain's hash and primitive
# (blake2b + Ed25519; keccak-256 + libsecp256k1), nothing else.
add_executable(bench_bare bench/bare.c)
target_link_libraries(bench_bare PRIVATE sigil_bench_common sigil_crypto PkgConfig::MHD PkgConfig::SODIUM
                      Threads::Threads)
target_include_directories(bench_bare PRIVATE ${CMAKE_SOURCE_DIR}/src)

# The HTTP load generator (octez, v1 Ethereum, Atto votes).
add_executable(bench_load bench/load.c bench/payload.c)
target_link_libraries(bench_load PRIVATE sigil_bench_common sigil_chain)

# A vault with N keys in one go (one Argon2id derivation).
add_executable(bench_mkvault bench/mkvault.c)
target_link_libraries(bench_mkvault PRIVATE sigil_bench_common sigil_app)

# Start-up time and resident memory of sigild.
add_executable(bench_startup bench/startup.c)
target_link_libraries(bench_startup PRIVATE sigil_bench_common)

# The key holder alone (sigil-enclave): Sign round trips over its socket, as
# sigild's enclave vault makes them (vault/enclave/client.h).
add_executable(bench_enclave_rpc bench/enclave_rpc.c)
target_link_libraries(bench_enclave_rpc PRIVATE sigil_bench_common sigil_enclave_proto
                      sigil_vault)

# sr25519 (Polkadot) beside Ed25519 and one ristretto255 base multiplication.
add_executable(bench_sr25519_raw bench/sr25519_raw.c)
target_link_libraries(bench_sr25519_raw PRIVATE sigil_bench_common sigil_crypto)

# sigild's v1 handler called in-process against the bare server's work, for
# sigild's own cost per Ethereum request without the HTTP load's noise.
add_executable(bench_inproc bench/inproc.c bench/payload.c)
target_link_libraries(bench_inproc PRIVATE sigil_bench_common sigil_app PkgConfig::MHD
                      PkgConfig::SECP PkgConfig::SODIUM)

set(_bench_tools bench_raw bench_fsync bench_bare bench_load bench_mkvault bench_startup
    bench_enclave_rpc bench_sr25519_raw bench_inproc)

# A PKCS#11 token alone (SoftHSM2 in make bench): C_SignInit + C_Sign per
# second. Built only where p11-kit's PKCS#11 header is; the module itself
# is dlopen()ed at run time, as the pkcs11 vault does.
pkg_check_modules(BENCH_P11KIT QUIET p11-kit-1)
if(BENCH_P11KIT_FOUND)
  add_executable(bench_p11_raw bench/p11_raw.c)
  target_include_directories(bench_p11_raw PRIVATE ${BENCH_P11KIT_INCLUDE_DIRS})
  target_link_libraries(bench_p11_raw PRIVATE sigil_bench_common Threads::Threads
                        ${CMAKE_DL_LIBS})
  list(APPEND _bench_tools bench_p11_raw)
endif()

add_custom_target(bench_tools DEPENDS ${_bench_tools})
