// Typed owners for GLib and GStreamer references.
//
// Every reference the code holds goes through one of these, and the call
// site says how it got the reference: Adopt() for transfer-full results,
// Ref() for transfer-none ones, Sink() for floating ones. Modelled on
// WebKit's GRefPtr.
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <memory>
#include <string>
#include <utility>

namespace plenum::mixer {

// How a type is referenced. GObjects (and so every GstObject) use the
// default; mini-objects and other ref-counted structs specialise it.
template <typename T>
struct GRefTraits {
  static void Ref(T* p) { g_object_ref(p); }
  static void Unref(T* p) { g_object_unref(p); }
  static T* RefSink(T* p) { return static_cast<T*>(g_object_ref_sink(p)); }
};

#define PLENUM_MINI_OBJECT_TRAITS(Type)                                            \
  template <>                                                                      \
  struct GRefTraits<Type> {                                                        \
    static void Ref(Type* p) { gst_mini_object_ref(GST_MINI_OBJECT_CAST(p)); }     \
    static void Unref(Type* p) { gst_mini_object_unref(GST_MINI_OBJECT_CAST(p)); } \
  };

PLENUM_MINI_OBJECT_TRAITS(GstCaps)
PLENUM_MINI_OBJECT_TRAITS(GstBuffer)
PLENUM_MINI_OBJECT_TRAITS(GstEvent)
PLENUM_MINI_OBJECT_TRAITS(GstMessage)
PLENUM_MINI_OBJECT_TRAITS(GstPromise)
PLENUM_MINI_OBJECT_TRAITS(GstSample)
#undef PLENUM_MINI_OBJECT_TRAITS

template <>
struct GRefTraits<GMainContext> {
  static void Ref(GMainContext* p) { g_main_context_ref(p); }
  static void Unref(GMainContext* p) { g_main_context_unref(p); }
};

template <>
struct GRefTraits<GMainLoop> {
  static void Ref(GMainLoop* p) { g_main_loop_ref(p); }
  static void Unref(GMainLoop* p) { g_main_loop_unref(p); }
};

template <>
struct GRefTraits<GSource> {
  static void Ref(GSource* p) { g_source_ref(p); }
  static void Unref(GSource* p) { g_source_unref(p); }
};

template <>
struct GRefTraits<GArray> {
  static void Ref(GArray* p) { g_array_ref(p); }
  static void Unref(GArray* p) { g_array_unref(p); }
};

template <typename T>
class GRef {
 public:
  GRef() = default;
  GRef(std::nullptr_t) {}
  ~GRef() { Reset(); }

  // Takes over a reference the caller already owns (transfer full).
  [[nodiscard]] static GRef Adopt(T* p) {
    GRef ref;
    ref.ptr_ = p;
    return ref;
  }
  // Adds a reference of our own (transfer none).
  [[nodiscard]] static GRef Ref(T* p) {
    if (p) GRefTraits<T>::Ref(p);
    return Adopt(p);
  }
  // Sinks a floating reference, or adds one if it was not floating.
  [[nodiscard]] static GRef Sink(T* p) { return Adopt(p ? GRefTraits<T>::RefSink(p) : nullptr); }

  GRef(const GRef& other) : ptr_(other.ptr_) {
    if (ptr_) GRefTraits<T>::Ref(ptr_);
  }
  GRef(GRef&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  GRef& operator=(GRef other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  void Reset() {
    if (T* p = std::exchange(ptr_, nullptr)) GRefTraits<T>::Unref(p);
  }
  // Gives the reference away (for transfer-full arguments).
  [[nodiscard]] T* Leak() { return std::exchange(ptr_, nullptr); }

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  bool operator==(const GRef& other) const { return ptr_ == other.ptr_; }

 private:
  T* ptr_ = nullptr;
};

// Owners for plain allocations.
struct GFreeDeleter {
  void operator()(void* p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFreeDeleter>;

struct GErrorDeleter {
  void operator()(GError* e) const { g_error_free(e); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorDeleter>;

struct GstStructureDeleter {
  void operator()(GstStructure* s) const { gst_structure_free(s); }
};
using GstStructurePtr = std::unique_ptr<GstStructure, GstStructureDeleter>;

struct SdpMessageDeleter {
  void operator()(GstSDPMessage* m) const { gst_sdp_message_free(m); }
};
using SdpMessagePtr = std::unique_ptr<GstSDPMessage, SdpMessageDeleter>;

}  // namespace plenum::mixer
