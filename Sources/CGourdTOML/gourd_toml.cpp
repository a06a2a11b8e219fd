// toml++ -> gt_event stream. See include/gourd_toml.h.
#include "gourd_toml.h"

#include <toml++/toml.h>

namespace {

struct Emitter {
    gt_handler handler;
    void *context;

    void emit(gt_event event) const { handler(&event, context); }

    /// One node: `key` is null for array elements and the root; `at` is the position reported.
    void node(const toml::node &node, const toml::key *key, const toml::source_position &at) const {
        gt_event event{};
        event.line = at.line;
        event.column = at.column;
        if (key) {
            event.key = key->data();
            event.key_length = key->length();
        }
        switch (node.type()) {
        case toml::node_type::table:
            event.kind = GT_TABLE;
            emit(event);
            for (auto &&[name, value] : *node.as_table()) this->node(value, &name, name.source().begin);
            emit(end());
            return;
        case toml::node_type::array:
            event.kind = GT_ARRAY;
            emit(event);
            for (auto &&value : *node.as_array()) this->node(value, nullptr, value.source().begin);
            emit(end());
            return;
        case toml::node_type::string: {
            const std::string &text = node.as_string()->get();
            event.kind = GT_STRING;
            event.text = text.data();
            event.text_length = text.size();
            break;
        }
        case toml::node_type::integer:
            event.kind = GT_INTEGER;
            event.integer = node.as_integer()->get();
            break;
        case toml::node_type::floating_point:
            event.kind = GT_FLOAT;
            event.number = node.as_floating_point()->get();
            break;
        case toml::node_type::boolean:
            event.kind = GT_BOOL;
            event.boolean = node.as_boolean()->get() ? 1 : 0;
            break;
        default:
            event.kind = GT_OTHER;
            event.text = node.type() == toml::node_type::date   ? "date"
                         : node.type() == toml::node_type::time ? "time"
                                                                : "date-time";
            event.text_length = __builtin_strlen(event.text);
            break;
        }
        emit(event);
    }

    static gt_event end() {
        gt_event event{};
        event.kind = GT_END;
        return event;
    }
};

} // namespace

extern "C" int gt_parse(const char *text, size_t length, gt_handler handler, void *context) {
    Emitter emitter{handler, context};
    toml::parse_result result = toml::parse(std::string_view(text, length));
    if (!result) {
        const toml::parse_error &error = result.error();
        gt_event event{};
        event.kind = GT_SYNTAX_ERROR;
        event.line = error.source().begin.line;
        event.column = error.source().begin.column;
        event.text = error.description().data();
        event.text_length = error.description().size();
        emitter.emit(event);
        return -1;
    }
    emitter.node(result.table(), nullptr, toml::source_position{0, 0});
    return 0;
}
