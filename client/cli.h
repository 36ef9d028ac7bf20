// The nsw-client command line (DESIGN.md "Command lines") as a function, so
// tests run it in-process against a fake server and main.cc stays one line:
//
//   nsw-client [--target URL] [--auth-key-file F] [--json] [--encoding E]
//              [--timeout D] [--insecure] [--ca-file F]
//     submit --enterprise TAX --procedure P --client-ref R
//            [--payload TEXT | --payload-file F | --payload-size SIZE] [--at TIME]
//     status|pay|supplement|withdraw --enterprise TAX ID
//     find --enterprise TAX --client-ref R
//     catalog [--enterprise TAX]
//     stats [--enterprise TAX] [--procedures]
//     admin clock advance (--to TIME | --by DUR) | pause | resume | speed X
//
// Readable output by default (a dossier's timeline with RFC 3339 simulated
// times, statistics as a per-ministry table); --json prints the reply's
// protobuf JSON. Errors are one line on `err`. Returns the exit code: 0 ok,
// 1 runtime failure (a transport error or a non-2xx answer, printed with the
// server's error code, message and request id), 2 usage error (a bad flag
// or value, named). catalog and stats sign as --enterprise when given, else
// as admin. Without --auth-key-file requests are unsigned and carry
// X-NSW-Enterprise (servers started with --auth none).
#ifndef NSW_CLIENT_CLI_H_
#define NSW_CLIENT_CLI_H_

#include <cstdio>

namespace nsw::client {

// Not thread-safe only in that it writes to `out` and `err`.
int RunClientCli(int argc, char** argv, std::FILE* out, std::FILE* err);

}  // namespace nsw::client

#endif  // NSW_CLIENT_CLI_H_
