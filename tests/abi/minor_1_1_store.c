/* A job store compiled against the frozen ABI 1.1 headers (tests/abi/1.1).
 * It must keep loading in every later 1.x host, with its 1.1 batch hooks
 * found where 1.1 put them. It stores nothing: the batch hooks answer in a
 * way a test can recognise (every enqueued record echoed back as new, every
 * finish refused as WNO_NOT_FOUND with a message naming this fixture); the
 * 1.0 hooks are inert stubs. */
#include <wno/plugin.h>

#include <stdio.h>

static wno_status create(const wno_host_api* api, wno_host_ctx* ctx, wno_str config, void** out) {
  (void)api;
  (void)ctx;
  (void)config;
  *out = (void*)0;
  return WNO_OK;
}
static void destroy(void* self) { (void)self; }

/* The 1.0 hooks the host requires, none of which the test calls. */
static wno_status enqueue(void* s, wno_str j, const wno_sink* o, int32_t* c) {
  (void)s; (void)j; (void)o; (void)c;
  return WNO_ERR_UNSUPPORTED;
}
static wno_status claim(void* s, wno_str q, wno_str w, uint32_t m, int64_t n, int64_t l, const wno_sink* o) {
  (void)s; (void)q; (void)w; (void)m; (void)n; (void)l; (void)o;
  return WNO_ERR_UNSUPPORTED;
}
static wno_status heartbeat(void* s, wno_str id, wno_str w, int64_t n, int64_t l) {
  (void)s; (void)id; (void)w; (void)n; (void)l;
  return WNO_ERR_UNSUPPORTED;
}
static wno_status complete(void* s, wno_str id, wno_str w, int64_t n, wno_str r) {
  (void)s; (void)id; (void)w; (void)n; (void)r;
  return WNO_ERR_UNSUPPORTED;
}
static wno_status fail(void* s, wno_str id, wno_str w, int64_t n, wno_str e, int64_t r) {
  (void)s; (void)id; (void)w; (void)n; (void)e; (void)r;
  return WNO_ERR_UNSUPPORTED;
}
static wno_status by_id(void* s, wno_str id, int64_t n) {
  (void)s; (void)id; (void)n;
  return WNO_ERR_UNSUPPORTED;
}
static wno_status get(void* s, wno_str id, const wno_sink* o) {
  (void)s; (void)id; (void)o;
  return WNO_NOT_FOUND;
}
static wno_status list(void* s, wno_str f, const wno_sink* o) {
  (void)s; (void)f; (void)o;
  return WNO_OK;
}
static wno_status counted(void* s, int64_t n, uint64_t* out) {
  (void)s; (void)n;
  *out = 0;
  return WNO_OK;
}
static wno_status stats(void* s, int64_t n, const wno_sink* o) {
  (void)s; (void)n;
  o->write(o->ctx, "{\"queues\":{}}", 13);
  return WNO_OK;
}

static wno_status enqueue_many(void* self, wno_str jobs_json, size_t count, const wno_sink* job_out,
                               int32_t* out_created) {
  size_t i;
  (void)self;
  (void)jobs_json;
  for (i = 0; i < count; ++i) {
    if (out_created) out_created[i] = 1;
    job_out->write(job_out->ctx, "{\"frozen\":\"1.1\"}", 16);
  }
  return WNO_OK;
}

static wno_status finish_many(void* self, wno_str worker, wno_str items_json, size_t count, wno_status* out_status,
                              const wno_sink* refusal_out) {
  size_t i;
  (void)self;
  (void)worker;
  (void)items_json;
  for (i = 0; i < count; ++i) {
    char refusal[64];
    int n = snprintf(refusal, sizeof refusal, "{\"index\":%u,\"message\":\"minor_1_1_store\"}", (unsigned)i);
    out_status[i] = WNO_NOT_FOUND;
    refusal_out->write(refusal_out->ctx, refusal, (size_t)n);
  }
  return WNO_OK;
}

static const wno_type_job_store type = {
    sizeof(wno_type_job_store),
    create,
    destroy,
    enqueue, claim, heartbeat, complete, fail, by_id, by_id, get, list, counted, stats, counted,
    0, /* on_wait: optional */
    enqueue_many,
    finish_many,
};
static const wno_component components[] = {
    {sizeof(wno_component), WNO_KIND_JOB_STORE, "minor_1_1_store", "", &type}};
static const wno_plugin plugin = {sizeof(wno_plugin), 1, 1, "minor_1_1_store", "1.1.0", "", components, 1, 0, 0};
WNO_PLUGIN_ENTRY(major, minor) {
  (void)major;
  (void)minor;
  return &plugin;
}
