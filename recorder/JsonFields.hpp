// Reading members of archive JSON that may be missing or of the wrong type
// (journals are read back from disk, where anything may have been written):
// json-glib's own getters assert on those.
#pragma once

#include <json-glib/json-glib.h>

#include <string>

namespace plenum::recorder {

// The member's string, or "" when it is missing or not a string.
inline std::string StringMember(JsonObject* object, const char* name) {
  JsonNode* node = object ? json_object_get_member(object, name) : nullptr;
  return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING
             ? json_node_get_string(node)
             : std::string();
}

// The member's integer, or -1 when it is missing or not an integer.
inline gint64 IntMember(JsonObject* object, const char* name) {
  JsonNode* node = object ? json_object_get_member(object, name) : nullptr;
  return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64 ? json_node_get_int(node)
                                                                                                : -1;
}

}  // namespace plenum::recorder
