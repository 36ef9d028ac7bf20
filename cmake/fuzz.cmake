# NSW_FUZZ=ON: a clang-14 configure that builds ONLY the libFuzzer targets of
# tests/fuzz and the parsing code they reach (scripts/fuzz.sh drives it). No
# Asio, no sessions, no executables besides the fuzzers: build time on two
# cores is the constraint. Beast is used header-only here (its HTTP parser
# alone), so the big separately compiled Asio/Beast unit is not built.
# -fno-sanitize=function: clang-14's UBSan cannot compile Asio coroutines
# (and flags protobuf's type-erased calls); everything else of UBSan stays on
# and aborts, so the fuzzer reports it as a crash.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "NSW_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++-14)")
endif()

set(NSW_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize=function
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
add_compile_options(${NSW_FUZZ_SANITIZERS} -fsanitize=fuzzer-no-link)
# crc32c.cc builds its tables at compile time, past clang's default budget.
add_compile_options(-fconstexpr-steps=100000000)
add_link_options(-fsanitize=address,undefined)

add_subdirectory(proto)

# The domain and the journal (the router's NswService, the journal reader).
file(GLOB NSW_FUZZ_DOMAIN_SRCS CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/server/domain/*.cc ${CMAKE_SOURCE_DIR}/server/journal/*.cc)
add_library(nsw_fuzz_domain STATIC ${NSW_FUZZ_DOMAIN_SRCS})
target_link_libraries(nsw_fuzz_domain PUBLIC nsw_proto spdlog::spdlog OpenSSL::Crypto Threads::Threads)
target_compile_options(nsw_fuzz_domain PRIVATE -msse4.2)

add_library(nsw_fuzz_auth STATIC ${CMAKE_SOURCE_DIR}/client/signing.cc)
target_link_libraries(nsw_fuzz_auth PUBLIC nsw_proto OpenSSL::Crypto)

# The request path without sockets: routing, authentication from headers,
# content negotiation and body decoding.
add_library(nsw_fuzz_http STATIC
  ${CMAKE_SOURCE_DIR}/server/http/router.cc
  ${CMAKE_SOURCE_DIR}/server/http/media.cc
  ${CMAKE_SOURCE_DIR}/server/http/request_id.cc)
target_link_libraries(nsw_fuzz_http PUBLIC nsw_fuzz_domain nsw_fuzz_auth Boost::headers)
target_compile_definitions(nsw_fuzz_http PUBLIC BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_NO_DEPRECATED)

# Trace formats: the binary reader and the CSV importer (which generates
# tax codes and ids through the trace generator's helpers).
find_package(ZLIB REQUIRED)
add_library(nsw_fuzz_trace STATIC
  ${CMAKE_SOURCE_DIR}/loadgen/trace_file.cc
  ${CMAKE_SOURCE_DIR}/loadgen/trace_csv.cc
  ${CMAKE_SOURCE_DIR}/loadgen/trace_gen.cc
  ${CMAKE_SOURCE_DIR}/loadgen/seasonality.cc
  ${CMAKE_SOURCE_DIR}/loadgen/enterprises.cc
  ${CMAKE_SOURCE_DIR}/loadgen/random.cc)
target_link_libraries(nsw_fuzz_trace PUBLIC nsw_proto spdlog::spdlog ZLIB::ZLIB)

# One fuzzer per tests/fuzz/<target>_fuzz.cc; `fuzz_targets` builds them all.
function(nsw_fuzzer name)
  add_executable(${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}.cc)
  target_link_libraries(${name} PRIVATE ${ARGN})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  add_dependencies(fuzz_targets ${name})
endfunction()
add_custom_target(fuzz_targets)
nsw_fuzzer(http_request_fuzz nsw_fuzz_http)
nsw_fuzzer(auth_header_fuzz nsw_fuzz_auth)
nsw_fuzzer(media_decode_fuzz nsw_fuzz_http)
nsw_fuzzer(journal_reader_fuzz nsw_fuzz_domain)
nsw_fuzzer(trace_reader_fuzz nsw_fuzz_trace)
nsw_fuzzer(trace_csv_fuzz nsw_fuzz_trace)
