/* Bump arena and string hash map. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct oi_arena_chunk {
    oi_arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *oi_arena_alloc(oi_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    oi_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *oi_arena_strdup(oi_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = oi_arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void oi_arena_free(oi_arena *a)
{
    oi_arena_chunk *c = a->head;
    while (c) {
        oi_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

struct oi_map_slot {
    char *key;
    void *value;
    uint64_t hash;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void oi_map_init(oi_map *m) { memset(m, 0, sizeof *m); }

void oi_map_free(oi_map *m)
{
    for (size_t i = 0; i < m->cap && !m->borrow; i++)
        free(m->slots[i].key);
    free(m->slots);
    oi_map_init(m);
}

static int map_grow_to(oi_map *m, size_t cap);

static int map_grow(oi_map *m) { return map_grow_to(m, m->cap ? m->cap * 2 : 64); }

int oi_map_reserve(oi_map *m, size_t n)
{
    size_t cap = m->cap ? m->cap : 64;
    while (n * 4 > cap * 3)
        cap *= 2;
    return cap > m->cap ? map_grow_to(m, cap) : 0;
}

static int map_grow_to(oi_map *m, size_t cap)
{
    struct oi_map_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = (size_t)m->slots[i].hash & (cap - 1);
        while (s[j].key)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

int oi_map_put(oi_map *m, const char *key, void *value)
{
    if ((m->count + 1) * 4 > m->cap * 3 && map_grow(m) != 0)
        return -1;
    uint64_t h = hash_str(key);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].hash == h && strcmp(m->slots[j].key, key) == 0) {
            m->slots[j].value = value;
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
    char *k = oi_strdup(key);
    if (!k)
        return -1;
    m->slots[j].key = k;
    m->slots[j].value = value;
    m->slots[j].hash = h;
    m->count++;
    return 0;
}

int oi_map_put_new(oi_map *m, const char *key, size_t len, void *value)
{
    if ((m->count + 1) * 4 > m->cap * 3 && map_grow(m) != 0)
        return -1;
    uint64_t h = 1469598103934665603ull; /* hash_str's, over len bytes */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].hash == h && strncmp(m->slots[j].key, key, len) == 0 &&
            m->slots[j].key[len] == '\0')
            return 1;
        j = (j + 1) & (m->cap - 1);
    }
    char *k = m->borrow ? (char *)key : malloc(len + 1);
    if (!k)
        return -1;
    if (!m->borrow) {
        memcpy(k, key, len);
        k[len] = '\0';
    }
    m->slots[j].key = k;
    m->slots[j].value = value;
    m->slots[j].hash = h;
    m->count++;
    return 0;
}

int oi_map_get(const oi_map *m, const char *key, void **value)
{
    if (!m->cap)
        return 0;
    uint64_t h = hash_str(key);
    size_t j = (size_t)h & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].hash == h && strcmp(m->slots[j].key, key) == 0) {
            if (value)
                *value = m->slots[j].value;
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}
