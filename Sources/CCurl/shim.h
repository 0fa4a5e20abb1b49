#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
/* curl's GCC type-checking macros wrap curl_easy_setopt in statement expressions,
 * which the Clang importer cannot see through. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>

/* libcurl is loaded with dlopen on first use, not linked: linking it makes the loader map
 * and initialise some thirty libraries (GnuTLS, Kerberos, LDAP, ...) at every start of
 * rollout, about 4.5 ms, although most commands never send an HTTP request. */

typedef size_t (*ccurl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);

/* The libcurl functions rollout calls. */
typedef struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *h);
    void (*easy_reset)(CURL *h);
    CURLcode (*easy_perform)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *h, CURLoption o, ...);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO i, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} ccurl_api;

/* Loads libcurl and fills `api`; returns 0, or -1 with the reason in `error`. */
static inline int ccurl_load(ccurl_api *api, char *error, size_t error_size) {
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(error, error_size, "%s", dlerror());
        return -1;
    }
#define CCURL_BIND(field, symbol) \
    if (!(*(void **)&api->field = dlsym(lib, #symbol))) { \
        snprintf(error, error_size, "libcurl.so.4 has no %s", #symbol); \
        return -1; \
    }
    CCURL_BIND(global_init, curl_global_init)
    CCURL_BIND(easy_init, curl_easy_init)
    CCURL_BIND(easy_cleanup, curl_easy_cleanup)
    CCURL_BIND(easy_reset, curl_easy_reset)
    CCURL_BIND(easy_perform, curl_easy_perform)
    CCURL_BIND(easy_strerror, curl_easy_strerror)
    CCURL_BIND(easy_setopt, curl_easy_setopt)
    CCURL_BIND(easy_getinfo, curl_easy_getinfo)
    CCURL_BIND(slist_append, curl_slist_append)
    CCURL_BIND(slist_free_all, curl_slist_free_all)
#undef CCURL_BIND
    return 0;
}

/* curl_easy_setopt and curl_easy_getinfo are C variadics, which Swift cannot call:
 * one typed wrapper per argument type. */
static inline CURLcode ccurl_setopt_long(const ccurl_api *a, CURL *h, CURLoption o, long v) { return a->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(const ccurl_api *a, CURL *h, CURLoption o, const char *v) { return a->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(const ccurl_api *a, CURL *h, CURLoption o, void *v) { return a->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(const ccurl_api *a, CURL *h, CURLoption o, struct curl_slist *v) { return a->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off_t(const ccurl_api *a, CURL *h, CURLoption o, curl_off_t v) { return a->easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_data_cb(const ccurl_api *a, CURL *h, CURLoption o, ccurl_data_cb cb) { return a->easy_setopt(h, o, cb); }
static inline CURLcode ccurl_getinfo_long(const ccurl_api *a, CURL *h, CURLINFO i, long *out) { return a->easy_getinfo(h, i, out); }
static inline CURLcode ccurl_getinfo_off_t(const ccurl_api *a, CURL *h, CURLINFO i, curl_off_t *out) { return a->easy_getinfo(h, i, out); }
static inline CURLcode ccurl_getinfo_string(const ccurl_api *a, CURL *h, CURLINFO i, char **out) { return a->easy_getinfo(h, i, out); }
#endif
