// gourd_toml: TOML parsing for the site policy, through toml++ (Debian: libtomlplusplus-dev,
// header-only). A C API so that Swift needs neither C++ interop nor Foundation: the document
// comes back as a depth-first stream of events, which GourdCore turns into a tree.
//
// Prefixes: gt_ is ours. toml++ is built with NDEBUG (its assertions abort on some malformed
// input) and without exceptions (TOML_EXCEPTIONS=0: errors are values). Nothing here prints,
// exits or keeps state between calls.
#ifndef GOURD_TOML_H
#define GOURD_TOML_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GT_SYNTAX_ERROR = 1, ///< not valid TOML: the only event; text is toml++'s message
    GT_TABLE,            ///< a table begins; its entries follow (each with a key), then GT_END
    GT_ARRAY,            ///< an array begins; its elements follow (without keys), then GT_END
    GT_END,              ///< the innermost table or array still open ends
    GT_STRING,           ///< text: the string (UTF-8, may contain NUL)
    GT_INTEGER,          ///< integer
    GT_FLOAT,            ///< number
    GT_BOOL,             ///< boolean: 0 or 1
    GT_OTHER,            ///< a date, time or date-time; text: "date", "time" or "date-time"
} gt_kind;

/// One event. Pointers are valid only during the handler call that receives them.
typedef struct {
    int32_t kind; ///< gt_kind
    /// 1-based position: of the key for a table entry (for a table from a `[a.b]` header, where
    /// the header first names it); of the value for an array element; of the error for
    /// GT_SYNTAX_ERROR; 0 for the document's root table.
    uint32_t line;
    uint32_t column;
    const char *key; ///< the entry's key in the enclosing table; NULL in arrays and for the root
    size_t key_length;
    const char *text; ///< GT_STRING, GT_OTHER, GT_SYNTAX_ERROR; else NULL
    size_t text_length;
    int64_t integer; ///< GT_INTEGER
    double number;   ///< GT_FLOAT
    int32_t boolean; ///< GT_BOOL
} gt_event;

typedef void (*gt_handler)(const gt_event *event, void *context);

/// Parses `length` bytes of `text` (not NUL-terminated; a NUL byte is a syntax error). On
/// success the handler receives the root GT_TABLE, every entry depth-first, then its GT_END,
/// and gt_parse returns 0. Table entries come in toml++'s order: sorted by key (byte order).
/// On a syntax error the handler receives one GT_SYNTAX_ERROR and gt_parse returns -1.
int gt_parse(const char *text, size_t length, gt_handler handler, void *context);

#ifdef __cplusplus
}
#endif

#endif
