// nsw-client: the command line for one-off NSW calls and classroom demos;
// everything is in client/cli.cc so tests can run it in-process.
#include <cstdio>

#include "client/cli.h"

int main(int argc, char** argv) { return nsw::client::RunClientCli(argc, argv, stdout, stderr); }
