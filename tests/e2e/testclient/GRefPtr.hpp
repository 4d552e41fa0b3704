#pragma once

// A typed owner of one reference on a ref-counted GLib/GStreamer object.
// Every acquisition says at the call site what kind of reference it takes:
//   AdoptGRef(p)   the callee returned a reference we now own (transfer full)
//   RefGRef(p)     we borrow a pointer and add our own reference (transfer none)
//   RefSinkGRef(p) a new floating object (elements, pads, bins) whose floating
//                  reference we sink so that adding it to a bin later does not
//                  steal our reference.

#include <gst/gst.h>

#include <cstddef>
#include <utility>

namespace plenum::test {

// How to take and drop one reference on T. The primary template covers every
// GObject subclass; GStreamer mini-objects specialise it below.
template <typename T>
struct GRefTraits {
  static T* Ref(T* p) { return static_cast<T*>(g_object_ref(p)); }
  static T* RefSink(T* p) { return static_cast<T*>(g_object_ref_sink(p)); }
  static void Unref(T* p) { g_object_unref(p); }
};

#define PLENUM_TEST_MINI_OBJECT_TRAITS(Type)                                                                    \
  template <>                                                                                                   \
  struct GRefTraits<Type> {                                                                                     \
    static Type* Ref(Type* p) { return reinterpret_cast<Type*>(gst_mini_object_ref(GST_MINI_OBJECT_CAST(p))); } \
    static void Unref(Type* p) { gst_mini_object_unref(GST_MINI_OBJECT_CAST(p)); }                              \
  }

PLENUM_TEST_MINI_OBJECT_TRAITS(GstBuffer);
PLENUM_TEST_MINI_OBJECT_TRAITS(GstCaps);
PLENUM_TEST_MINI_OBJECT_TRAITS(GstEvent);
PLENUM_TEST_MINI_OBJECT_TRAITS(GstMessage);
PLENUM_TEST_MINI_OBJECT_TRAITS(GstPromise);
PLENUM_TEST_MINI_OBJECT_TRAITS(GstSample);

#undef PLENUM_TEST_MINI_OBJECT_TRAITS

template <typename T>
class GRefPtr {
 public:
  GRefPtr() noexcept = default;
  GRefPtr(std::nullptr_t) noexcept {}

  static GRefPtr Adopt(T* p) noexcept {
    GRefPtr owner;
    owner.ptr_ = p;
    return owner;
  }

  static GRefPtr Ref(T* p) {
    GRefPtr owner;
    owner.ptr_ = p ? GRefTraits<T>::Ref(p) : nullptr;
    return owner;
  }

  static GRefPtr RefSink(T* p) {
    GRefPtr owner;
    owner.ptr_ = p ? GRefTraits<T>::RefSink(p) : nullptr;
    return owner;
  }

  GRefPtr(const GRefPtr& other) : ptr_(other.ptr_ ? GRefTraits<T>::Ref(other.ptr_) : nullptr) {}
  GRefPtr(GRefPtr&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}

  GRefPtr& operator=(GRefPtr other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }

  ~GRefPtr() { Reset(); }

  T* get() const noexcept { return ptr_; }
  T* operator->() const noexcept { return ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

  // Hands our reference to a transfer-full consumer.
  [[nodiscard]] T* Release() noexcept { return std::exchange(ptr_, nullptr); }

  void Reset() noexcept {
    if (T* p = std::exchange(ptr_, nullptr)) GRefTraits<T>::Unref(p);
  }

  // For transfer-full out-parameters (g_object_get of an object property):
  // drops what we held and lets the callee store a reference we then own.
  T** OutPtr() noexcept {
    Reset();
    return &ptr_;
  }

 private:
  T* ptr_ = nullptr;
};

template <typename T>
GRefPtr<T> AdoptGRef(T* p) noexcept {
  return GRefPtr<T>::Adopt(p);
}

template <typename T>
GRefPtr<T> RefGRef(T* p) {
  return GRefPtr<T>::Ref(p);
}

template <typename T>
GRefPtr<T> RefSinkGRef(T* p) {
  return GRefPtr<T>::RefSink(p);
}

}  // namespace plenum::test
