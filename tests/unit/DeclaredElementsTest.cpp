// The element -> package table (scripts/gstreamer-elements.tsv) holds: on a
// machine set up by scripts/setup.sh --tests every element in it exists, and
// the server creates no element the table does not list for it.

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "mixer/DeclaredElements.hpp"
#include "mixer/Elements.hpp"
#include "mixer/MixerInit.hpp"

namespace plenum::mixer {
namespace {

class DeclaredElementsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }
};

TEST_F(DeclaredElementsTest, EveryDeclaredElementIsInstalledBySetUp) {
  for (const DeclaredElement& element : kDeclaredElements) {
    GRef<GstElementFactory> factory = GRef<GstElementFactory>::Adopt(gst_element_factory_find(element.factory));
    EXPECT_TRUE(factory) << element.factory << " is missing: scripts/setup.sh --tests should have installed "
                         << element.package << " (or the table names the wrong package)";
  }
  EXPECT_TRUE(InitMixer().empty());
}

TEST_F(DeclaredElementsTest, TheServerCreatesOnlyDeclaredElements) {
  EXPECT_TRUE(MakeElement("queue", "declared-queue"));
  EXPECT_THROW(MakeElement("identity", "undeclared"), std::logic_error);
  // Test-only elements are not installed with the server.
  EXPECT_THROW(MakeElement("audiotestsrc", "test-only"), std::logic_error);
}

TEST_F(DeclaredElementsTest, ConstructPropertiesAreSetAtCreation) {
  GRef<GstElement> compositor = MakeElement("compositor", "live", {{"force-live", "true"}});
  ASSERT_TRUE(compositor);
  gboolean forceLive = FALSE;
  g_object_get(compositor.get(), "force-live", &forceLive, nullptr);
  EXPECT_TRUE(forceLive);
  EXPECT_STREQ(GST_ELEMENT_NAME(compositor.get()), "live");
  EXPECT_THROW(MakeElement("compositor", "bad", {{"no-such-property", "1"}}), std::logic_error);
  EXPECT_THROW(MakeElement("compositor", "bad", {{"force-live", "not-a-boolean"}}), std::logic_error);
}

TEST_F(DeclaredElementsTest, EveryRowNamesAPackage) {
  for (const DeclaredElement& element : kDeclaredElements) {
    EXPECT_FALSE(std::string(element.package).empty()) << element.factory;
  }
}

}  // namespace
}  // namespace plenum::mixer
