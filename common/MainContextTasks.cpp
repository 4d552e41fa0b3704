#include "common/MainContextTasks.hpp"

namespace plenum::common {
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
  // An idle source rather than g_main_context_invoke_full, which would run
  // the task right here when the caller owns the context.
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, RunTask, new std::function<void()>(std::move(task)), DeleteTask);
  g_source_attach(source, context);
  g_source_unref(source);  // the context holds it until it has run
}

}  // namespace plenum::common
