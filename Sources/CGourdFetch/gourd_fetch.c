#define _GNU_SOURCE
// gourd_fetch.c: see gourd_fetch.h. libcurl is reached only through the function pointers
// below, filled by dlopen/dlsym on first use: the gourd binary has no DT_NEEDED entry for it.
#include "gourd_fetch.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <signal.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

static struct {
    int loaded;
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} gf_curl;

/// dlopen + dlsym once; the handle is never closed (the process is short-lived).
static int gf_load(char *error, size_t cap) {
    if (gf_curl.loaded) return 0;
    void *handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(error, cap, "cannot load libcurl.so.4 (install libcurl4): %s", dlerror());
        return -1;
    }
#define GF_SYM(field, name)                                                                                            \
    if (!(*(void **)&gf_curl.field = dlsym(handle, name))) {                                                           \
        snprintf(error, cap, "libcurl.so.4 lacks %s", name);                                                           \
        return -1;                                                                                                     \
    }
    GF_SYM(global_init, "curl_global_init")
    GF_SYM(easy_init, "curl_easy_init")
    GF_SYM(easy_setopt, "curl_easy_setopt")
    GF_SYM(easy_perform, "curl_easy_perform")
    GF_SYM(easy_getinfo, "curl_easy_getinfo")
    GF_SYM(easy_cleanup, "curl_easy_cleanup")
    GF_SYM(easy_strerror, "curl_easy_strerror")
    GF_SYM(slist_append, "curl_slist_append")
    GF_SYM(slist_free_all, "curl_slist_free_all")
#undef GF_SYM
    if (gf_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(error, cap, "curl_global_init failed");
        return -1;
    }
    gf_curl.loaded = 1;
    return 0;
}

struct gf_transfer {
    CURL *curl;
    const gf_request *request;
    gf_response *response;
    size_t header_len;
    size_t error_len;
    int aborted;
    int range_ignored;
};

static size_t gf_on_body(char *data, size_t size, size_t count, void *context) {
    struct gf_transfer *transfer = context;
    size_t n = size * count;
    // Bodies of error responses are not the resource: their start is kept for the message.
    long status = 0;
    gf_curl.easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        gf_response *response = transfer->response;
        size_t room = sizeof(response->error_body) - 1 - transfer->error_len;
        size_t copy = n < room ? n : room;
        memcpy(response->error_body + transfer->error_len, data, copy);
        transfer->error_len += copy;
        response->error_body[transfer->error_len] = 0;
        return n;
    }
    if (transfer->request->resume_from > 0 && status != 206) {
        transfer->range_ignored = 1;
        return 0;
    }
    if (transfer->request->sink(data, n, transfer->request->context) != n) {
        transfer->aborted = 1;
        return 0;
    }
    return n;
}

/// Keeps the header lines of the last response only: a new status line (after a redirect or
/// a 100 Continue) starts over.
static size_t gf_on_header(char *data, size_t size, size_t count, void *context) {
    struct gf_transfer *transfer = context;
    size_t n = size * count;
    char *buffer = transfer->response->headers;
    size_t cap = sizeof(transfer->response->headers);
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) transfer->header_len = 0;
    size_t room = cap - 1 - transfer->header_len;
    size_t copy = n < room ? n : room;
    memcpy(buffer + transfer->header_len, data, copy);
    transfer->header_len += copy;
    buffer[transfer->header_len] = 0;
    return n;
}

int gf_perform(const gf_request *request, gf_response *response) {
    memset(response, 0, sizeof(*response));
    if (gf_load(response->error, sizeof(response->error)) != 0) return GF_NO_LIBCURL;
    CURL *curl = gf_curl.easy_init();
    if (!curl) {
        snprintf(response->error, sizeof(response->error), "curl_easy_init failed");
        return GF_TRANSPORT_ERROR;
    }
    struct gf_transfer transfer = {curl, request, response, 0, 0, 0, 0};
    struct curl_slist *headers = NULL;
    for (const char *const *h = request->headers; h && *h; h++) headers = gf_curl.slist_append(headers, *h);
    char curl_error[CURL_ERROR_SIZE] = {0};
    gf_curl.easy_setopt(curl, CURLOPT_URL, request->url);
    gf_curl.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    gf_curl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    gf_curl.easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    gf_curl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    gf_curl.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // No SIGALRM-based DNS timeouts: the pull may block signals (curl_easy_setopt(3) CURLOPT_NOSIGNAL).
    gf_curl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    gf_curl.easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    gf_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, gf_on_body);
    gf_curl.easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    gf_curl.easy_setopt(curl, CURLOPT_HEADERFUNCTION, gf_on_header);
    gf_curl.easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    gf_curl.easy_setopt(curl, CURLOPT_USERAGENT, "gourd");
    gf_curl.easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (request->connect_timeout > 0) gf_curl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request->connect_timeout);
    if (request->stall_timeout > 0) {
        gf_curl.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        gf_curl.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request->stall_timeout);
    }
    if (request->userpwd) {
        gf_curl.easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        gf_curl.easy_setopt(curl, CURLOPT_USERPWD, request->userpwd);
    }
    if (request->cainfo) gf_curl.easy_setopt(curl, CURLOPT_CAINFO, request->cainfo);
    if (request->capath) gf_curl.easy_setopt(curl, CURLOPT_CAPATH, request->capath);
    if (request->insecure) {
        gf_curl.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        gf_curl.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (request->resume_from > 0)
        gf_curl.easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)request->resume_from);
    CURLcode code = gf_curl.easy_perform(curl);
    gf_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    char *url = NULL;
    if (gf_curl.easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
        snprintf(response->effective_url, sizeof(response->effective_url), "%s", url);
    int result = 0;
    if (transfer.range_ignored || (request->resume_from > 0 && code == CURLE_RANGE_ERROR)) {
        result = GF_RANGE_IGNORED;
    } else if (transfer.aborted) {
        result = GF_ABORTED;
    } else if (code != CURLE_OK) {
        snprintf(response->error, sizeof(response->error), "%s",
                 curl_error[0] ? curl_error : gf_curl.easy_strerror(code));
        result = GF_TRANSPORT_ERROR;
    }
    gf_curl.slist_free_all(headers);
    gf_curl.easy_cleanup(curl);
    return result;
}

int gf_child_setup(void) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return -1;
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

int gf_fork(void) { return fork(); }

int gf_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
