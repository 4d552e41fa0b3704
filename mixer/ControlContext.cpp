#include "mixer/ControlContext.hpp"

namespace plenum::mixer {
namespace {

gboolean RunTask(gpointer data) {
  (*static_cast<std::function<void()>*>(data))();
  return G_SOURCE_REMOVE;
}

void DeleteTask(gpointer data) { delete static_cast<std::function<void()>*>(data); }

}  // namespace

void InvokeOn(GMainContext* context, std::function<void()> task) {
  g_main_context_invoke_full(context, G_PRIORITY_DEFAULT, RunTask, new std::function<void()>(std::move(task)),
                             DeleteTask);
}

void PostTo(GMainContext* context, std::function<void()> task) {
  GRef<GSource> source = GRef<GSource>::Adopt(g_idle_source_new());
  g_source_set_priority(source.get(), G_PRIORITY_DEFAULT);
  g_source_set_callback(source.get(), RunTask, new std::function<void()>(std::move(task)), DeleteTask);
  g_source_attach(source.get(), context);
}

void ControlPoster::Post(std::function<void()> task) const {
  if (!context_) return;
  PostTo(context_.get(), [owner = owner_, task = std::move(task)] {
    if (owner.lock()) task();
  });
}

}  // namespace plenum::mixer
