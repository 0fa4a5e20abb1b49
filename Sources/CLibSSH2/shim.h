#ifndef CLIBSSH2_SHIM_H
#define CLIBSSH2_SHIM_H
#include <string.h>
#include <libssh2.h>
#include <libssh2_sftp.h>

/* libssh2 spells much of its API as function-like macros, which Swift cannot import.
 * Each wrapper below is the macro's expansion, nothing more. */

static inline LIBSSH2_SESSION *cssh_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}
static inline int cssh_session_disconnect(LIBSSH2_SESSION *s, const char *why) {
    return libssh2_session_disconnect_ex(s, SSH_DISCONNECT_BY_APPLICATION, why, "");
}
static inline LIBSSH2_CHANNEL *cssh_channel_open_session(LIBSSH2_SESSION *s) {
    return libssh2_channel_open_ex(s, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT,
                                   LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}
static inline int cssh_channel_exec(LIBSSH2_CHANNEL *c, const char *cmd, unsigned int len) {
    return libssh2_channel_process_startup(c, "exec", sizeof("exec") - 1, cmd, len);
}
static inline ssize_t cssh_channel_read(LIBSSH2_CHANNEL *c, char *buf, size_t n) {
    return libssh2_channel_read_ex(c, 0, buf, n);
}
static inline ssize_t cssh_channel_read_stderr(LIBSSH2_CHANNEL *c, char *buf, size_t n) {
    return libssh2_channel_read_ex(c, SSH_EXTENDED_DATA_STDERR, buf, n);
}
static inline ssize_t cssh_channel_write(LIBSSH2_CHANNEL *c, const char *buf, size_t n) {
    return libssh2_channel_write_ex(c, 0, buf, n);
}
static inline int cssh_channel_send_eof(LIBSSH2_CHANNEL *c) {
    return libssh2_channel_send_eof(c);
}
static inline LIBSSH2_SFTP_HANDLE *cssh_sftp_open(LIBSSH2_SFTP *sftp, const char *path,
                                                  unsigned long flags, long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode,
                                LIBSSH2_SFTP_OPENFILE);
}
static inline int cssh_sftp_unlink(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_unlink_ex(sftp, path, (unsigned int)strlen(path));
}
static inline int cssh_sftp_stat(LIBSSH2_SFTP *sftp, const char *path, LIBSSH2_SFTP_ATTRIBUTES *a) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_STAT, a);
}
static inline int cssh_sftp_fstat(LIBSSH2_SFTP_HANDLE *h, LIBSSH2_SFTP_ATTRIBUTES *a) {
    return libssh2_sftp_fstat_ex(h, a, 0);
}
#endif
