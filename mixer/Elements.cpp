#include "mixer/Elements.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>

#include "mixer/DeclaredElements.hpp"

namespace plenum::mixer {
namespace {

bool DeclaredForServer(const char* factory) {
  for (const DeclaredElement& element : kDeclaredElements) {
    if (element.server && std::strcmp(element.factory, factory) == 0) return true;
  }
  return false;
}

// GValues for `properties` of elements made by `factory` (which is loaded).
struct PropertyValues {
  std::vector<const char*> names;
  std::vector<GValue> values;

  PropertyValues() = default;
  PropertyValues(const PropertyValues&) = delete;
  PropertyValues& operator=(const PropertyValues&) = delete;
  ~PropertyValues() {
    for (GValue& value : values) g_value_unset(&value);
  }
};

void Deserialize(GstElementFactory* factory, const char* name, const char* text, PropertyValues& out) {
  // The class holds the property's spec; keep it while reading it.
  std::unique_ptr<void, decltype(&g_type_class_unref)> typeClass(
      g_type_class_ref(gst_element_factory_get_element_type(factory)), &g_type_class_unref);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_CLASS(typeClass.get()), name);
  if (!spec) throw std::logic_error(std::string("no property ") + name + " on " + GST_OBJECT_NAME(factory));
  out.values.push_back(G_VALUE_INIT);
  GValue& value = out.values.back();
  g_value_init(&value, spec->value_type);
  if (!gst_value_deserialize(&value, text)) {
    throw std::logic_error(std::string("bad value ") + text + " for " + GST_OBJECT_NAME(factory) + "." + name);
  }
  out.names.push_back(name);
}

}  // namespace

GRef<GstElement> MakeElement(const char* factory, const std::string& name,
                             const ConstructProperties& constructProperties) {
  if (!DeclaredForServer(factory)) {
    throw std::logic_error(std::string("GStreamer element ") + factory +
                           " is not listed for the server in scripts/gstreamer-elements.tsv with its Debian package");
  }
  if (constructProperties.empty()) return GRef<GstElement>::Sink(gst_element_factory_make(factory, name.c_str()));

  GRef<GstElementFactory> found = GRef<GstElementFactory>::Adopt(gst_element_factory_find(factory));
  if (!found) return {};
  GRef<GstPluginFeature> loaded =
      GRef<GstPluginFeature>::Adopt(gst_plugin_feature_load(GST_PLUGIN_FEATURE(found.get())));
  if (!loaded) return {};
  GstElementFactory* ready = GST_ELEMENT_FACTORY(loaded.get());
  PropertyValues properties;
  properties.values.reserve(constructProperties.size() + 1);
  Deserialize(ready, "name", name.c_str(), properties);
  for (const auto& [property, text] : constructProperties) Deserialize(ready, property, text, properties);
  return GRef<GstElement>::Sink(gst_element_factory_create_with_properties(
      ready, static_cast<guint>(properties.names.size()), properties.names.data(), properties.values.data()));
}

GRef<GstElement> AddElement(GstBin* bin, const char* factory, const std::string& name,
                            const ConstructProperties& constructProperties) {
  GRef<GstElement> element = MakeElement(factory, name, constructProperties);
  if (!element) throw std::runtime_error(std::string("missing GStreamer element ") + factory);
  gst_bin_add(bin, element.get());
  return element;
}

void LinkOrThrow(GstElement* from, GstElement* to) {
  if (!gst_element_link(from, to)) {
    throw std::runtime_error(std::string("cannot link ") + GST_ELEMENT_NAME(from) + " to " + GST_ELEMENT_NAME(to));
  }
}

}  // namespace plenum::mixer
