// gourd_fetch.h: one HTTP request through libcurl, loaded at run time (dlopen) so that a
// launch that never pulls pays nothing for it. Prefix: gf_ (ours); curl_* are libcurl's.
//
// Nothing here is async-signal-safe: these run in an ordinary process (the pull), never
// between fork and exec.
#ifndef GOURD_FETCH_H
#define GOURD_FETCH_H

#include <stddef.h>
#include <stdint.h>

/// Receives body bytes as they arrive; returns `size` to go on, anything else to abort the
/// transfer (the request then fails with GF_ABORTED).
typedef size_t (*gf_sink)(const void *data, size_t size, void *context);

/// One GET request.
typedef struct gf_request {
    const char *url;
    /// "Name: value" lines, NULL-terminated; may be NULL.
    const char *const *headers;
    /// "user:password" for HTTP basic authentication, or NULL.
    const char *userpwd;
    /// CA bundle file and directory (SSL_CERT_FILE, SSL_CERT_DIR), or NULL for the system's.
    const char *cainfo;
    const char *capath;
    /// Nonzero: do not verify the server's certificate (--insecure).
    int insecure;
    /// Byte offset to resume from (a Range request), 0 for the whole body.
    int64_t resume_from;
    /// Seconds: connecting; and the time below 1 byte/s after which a stalled transfer fails.
    long connect_timeout;
    long stall_timeout;
    gf_sink sink;
    void *context;
} gf_request;

/// What came back.
typedef struct gf_response {
    /// The final HTTP status (after redirects), 0 when none arrived.
    long status;
    /// The final response's header lines, "Name: value\r\n" each, NUL-terminated (truncated
    /// at the buffer's size: the headers a registry sends are short).
    char headers[4096];
    /// curl's explanation when the request failed below HTTP (DNS, TLS, connection).
    char error[256];
    /// The final URL (after redirects), for messages.
    char effective_url[1024];
    /// The start of a non-2xx response's body (a registry's JSON error), NUL-terminated; the
    /// sink sees only 2xx bodies.
    char error_body[1024];
} gf_response;

/// The request failed below HTTP (no status): error says why.
#define GF_TRANSPORT_ERROR (-1)
/// The sink stopped the transfer.
#define GF_ABORTED (-2)
/// libcurl could not be loaded: error says why.
#define GF_NO_LIBCURL (-3)
/// A Range request (resume_from > 0) got the whole body (200, not 206) or a range the server
/// does not support: nothing was passed to the sink; start again from 0.
#define GF_RANGE_IGNORED (-4)

/// Loads libcurl (once) and performs the request, following redirects (at most 10; custom
/// Authorization headers are not sent to another host, CURLOPT_UNRESTRICTED_AUTH off).
/// Proxies come from libcurl's own reading of https_proxy/HTTPS_PROXY/no_proxy/NO_PROXY.
/// Returns 0 when an HTTP response arrived (whatever its status), or GF_*.
int gf_perform(const gf_request *request, gf_response *response);

/// In the child that runs a pull: SIGKILL when the parent dies (prctl(2) PR_SET_PDEATHSIG),
/// and every signal unblocked (the parent may block them for its own signalfd), so that
/// Ctrl-C and a killed parent end the download. 0, or -1 with errno.
int gf_child_setup(void);

/// fork(2) (glibc's, with its atfork handlers, unlike gc_raw_clone: the child runs libcurl and
/// OpenSSL, which rely on a consistent thread state). The caller is single-threaded.
int gf_fork(void);

/// pipe2(2) with O_CLOEXEC (Swift's Glibc lacks pipe2 without _GNU_SOURCE). 0, or -1 with errno.
int gf_pipe(int fds[2]);

#endif
