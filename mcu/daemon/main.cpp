#include "mcu/daemon/PlenumApp.hpp"

int main(int argc, char** argv) {
  plenum::mcu::PlenumApp app;
  return app.run(argc, argv);
}
