#include "app/cli.hpp"

int main(int argc, char** argv) {
  return lokku::app::run_cli(argc, argv);
}
