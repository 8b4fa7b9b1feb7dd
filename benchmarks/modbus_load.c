/* A plain Modbus TCP load generator in C, so that the load generator is never the bottleneck.

   doors_bench.py compiles it (cc -O2) into a temporary directory when a C compiler is there and
   runs it in its own process; it does what modbus_bench's epoll client does per request, without
   the interpreter: N connections to 127.0.0.1, one FC 03/04 read in flight on each, a fresh
   transaction id per request, every reply framed by its MBAP length and checked (transaction id,
   protocol id, unit, function code, byte count, length). Latencies of requests sent after the
   warm-up are kept. It stops at the end of the window or at max requests per connection, and after
   the window plus 5 s in any case (a stalled server), then prints one JSON line.

   usage: modbus_load HOST PORT CONNS WARMUP_MS WINDOW_MS MAX_PER_CONN FC ADDRESS COUNT UNIT */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd;
    uint16_t tid;
    long sent;
    uint64_t t_send;
    unsigned char buf[512];
    size_t have;
    uint64_t *lat;
    long nlat;
    int done;
} conn_t;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int fail(const char *what, long sent) {
    printf("{\"error\": \"%s after %ld requests\"}\n", what, sent);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 11) {
        fprintf(stderr, "usage: %s HOST PORT CONNS WARMUP_MS WINDOW_MS MAX_PER_CONN FC ADDRESS COUNT UNIT\n", argv[0]);
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]), n = atoi(argv[3]);
    uint64_t warmup = strtoull(argv[4], NULL, 10) * 1000000ull, window = strtoull(argv[5], NULL, 10) * 1000000ull;
    long max_per = atol(argv[6]);
    int fc = atoi(argv[7]), address = atoi(argv[8]), count = atoi(argv[9]), unit = atoi(argv[10]);
    if (n < 1 || n > 1000 || max_per < 1 || count < 1 || count > 125) return 2;
    size_t reply_len = 9 + 2 * (size_t)count;
    unsigned char request[12] = {0, 0, 0, 0, 0, 6, (unsigned char)unit, (unsigned char)fc,
                                 (unsigned char)(address >> 8), (unsigned char)address,
                                 (unsigned char)(count >> 8), (unsigned char)count};
    conn_t *conns = calloc((size_t)n, sizeof(conn_t));
    int ep = epoll_create1(0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!conns || ep < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) return fail("set-up failed", 0);
    for (int i = 0; i < n; i++) {
        conn_t *c = &conns[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) return fail("connect failed", 0);
        c->tid = (uint16_t)(i * 4099);
        c->lat = malloc(sizeof(uint64_t) * (size_t)max_per);
        if (!c->lat) return fail("out of memory", 0);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    uint64_t t0 = now_ns(), t_measure = t0 + warmup, t_end = t_measure + window, hard_end = t_end + 5000000000ull;
    uint64_t last_recv = 0;
    for (int i = 0; i < n; i++) {
        conn_t *c = &conns[i];
        c->tid++;
        request[0] = (unsigned char)(c->tid >> 8), request[1] = (unsigned char)c->tid;
        c->t_send = now_ns();
        c->sent++;
        if (send(c->fd, request, 12, 0) != 12) return fail("send failed", c->sent);
    }
    int active = n;
    struct epoll_event events[256];
    while (active > 0) {
        int got = epoll_wait(ep, events, 256, 250);
        if (got < 0 && errno != EINTR) return fail("epoll failed", 0);
        for (int e = 0; e < got; e++) {
            conn_t *c = &conns[events[e].data.u32];
            ssize_t r = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
            if (r <= 0) return fail(r == 0 ? "closed by the server" : "recv failed", c->sent);
            c->have += (size_t)r;
            if (c->have < 6) continue;
            size_t total = 6 + (((size_t)c->buf[4] << 8) | c->buf[5]);
            if (total > sizeof c->buf) return fail("bad MBAP length", c->sent);
            if (c->have < total) continue;
            if (c->have > total) return fail("unsolicited bytes after a reply", c->sent);
            uint64_t now = now_ns();
            unsigned char *b = c->buf;
            if (((b[0] << 8) | b[1]) != c->tid || b[2] || b[3] || b[6] != unit || b[7] != fc || total != reply_len ||
                b[8] != 2 * count)
                return fail(b[7] == (fc | 0x80) ? "exception reply" : "malformed reply", c->sent);
            c->have = 0;
            if (c->t_send >= t_measure) {
                c->lat[c->nlat++] = now - c->t_send;
                last_recv = now;
            }
            if (now >= t_end || c->sent >= max_per) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                active--;
                continue;
            }
            c->tid++;
            request[0] = (unsigned char)(c->tid >> 8), request[1] = (unsigned char)c->tid;
            c->t_send = now_ns();
            c->sent++;
            if (send(c->fd, request, 12, 0) != 12) return fail("short send", c->sent);
        }
        if (now_ns() > hard_end) return fail("no reply within the cell time limit", 0);
    }
    long total = 0;
    for (int i = 0; i < n; i++) total += conns[i].nlat;
    uint64_t *all = malloc(sizeof(uint64_t) * (size_t)(total ? total : 1));
    long k = 0;
    double sum = 0;
    for (int i = 0; i < n; i++)
        for (long j = 0; j < conns[i].nlat; j++) all[k++] = conns[i].lat[j], sum += (double)conns[i].lat[j];
    qsort(all, (size_t)total, sizeof(uint64_t), cmp_u64);
    long p50 = total ? (long)((total * 50 + 99) / 100) - 1 : 0, p99 = total ? (long)((total * 99 + 99) / 100) - 1 : 0;
    printf("{\"requests\": %ld, \"elapsed_ns\": %llu, \"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu, \"mean_ns\": %.0f}\n",
           total, (unsigned long long)(last_recv > t_measure ? last_recv - t_measure : 0),
           (unsigned long long)(total ? all[p50 < 0 ? 0 : p50] : 0), (unsigned long long)(total ? all[p99 < 0 ? 0 : p99] : 0),
           (unsigned long long)(total ? all[total - 1] : 0), total ? sum / (double)total : 0.0);
    fflush(stdout);
    for (int i = 0; i < n; i++) close(conns[i].fd);
    /* wait for the parent to read this process's CPU time, then exit (bounded by the read) */
    char byte;
    ssize_t ignored = read(0, &byte, 1);
    (void)ignored;
    return 0;
}
