#include "testclient/SignalHandler.hpp"

#include <stdexcept>
#include <string>

namespace plenum::test {

SignalHandler::SignalHandler(gpointer instance, const char* signal, GCallback callback, gpointer data) {
  g_weak_ref_init(&instance_, instance);
  id_ = g_signal_connect(instance, signal, callback, data);
  if (id_ == 0) {
    g_weak_ref_clear(&instance_);
    throw std::invalid_argument(std::string("no signal ") + signal + " on " + G_OBJECT_TYPE_NAME(instance));
  }
}

SignalHandler::~SignalHandler() {
  if (GObject* instance = static_cast<GObject*>(g_weak_ref_get(&instance_))) {
    g_signal_handler_disconnect(instance, id_);
    g_object_unref(instance);
  }
  g_weak_ref_clear(&instance_);
}

}  // namespace plenum::test
