/*
 * TierZero's native TAP addon (Linux): opens a TAP device on /dev/net/tun, sets its MAC, MTU and
 * up/down state with interface ioctls, and moves Ethernet frames between the device and
 * JavaScript without a thread hop.
 *
 * Why native: the TUNSETIFF and SIOCSIF* ioctls have no JavaScript binding, and reading a TAP
 * through fs.read costs a libuv thread-pool round trip per frame. Here the event loop itself
 * polls the non-blocking descriptor (uv_poll, level-triggered) and, when it is readable, reads
 * a batch of frames into slots of one JavaScript-owned buffer and makes ONE call into
 * JavaScript for the whole batch. Writes are one writev() straight from the calling thread.
 * bench/tap-io.bench.ts measures both ways.
 *
 * Invariants:
 *  - Every function returns a number: >= 0 on success, -errno on failure (JavaScript turns that
 *    into a message with util.getSystemErrorName). Wrong argument types throw a TypeError.
 *  - A reader reads at most `slots` frames per wake-up, so a busy TAP cannot starve UDP input;
 *    the poll is level-triggered, so what is left is read on the next loop turn.
 *  - The buffers handed to startReader stay referenced until the reader is closed; JavaScript
 *    must not transfer or detach them meanwhile.
 *  - stopReader is idempotent; a reader still running when the environment is torn down is
 *    stopped by a cleanup hook.
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#define ETH_HEADER 14

static napi_value int32Value(napi_env env, int32_t n) {
  napi_value v;
  napi_create_int32(env, n, &v);
  return v;
}

static int getInt(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int getBytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  bool isTyped = false;
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_is_typedarray(env, v, &isTyped) != napi_ok || !isTyped) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = ptr;
  return 1;
}

static int getString(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) return 0;
  return len > 0 && len < IFNAMSIZ && len < size - 1;
}

static napi_value typeError(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* openTap(name, nonBlocking) -> fd or -errno. The name must be a full name (no %d). */
static napi_value OpenTap(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  bool nonBlocking = true;
  if (argc < 2 || !getString(env, argv[0], name, sizeof(name)) || napi_get_value_bool(env, argv[1], &nonBlocking) != napi_ok) {
    return typeError(env, "openTap(name: string (1..15 chars), nonBlocking: boolean)");
  }
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0));
  if (fd < 0) return int32Value(env, -errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, strlen(name)); /* getString guarantees < IFNAMSIZ */
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    return int32Value(env, -e);
  }
  return int32Value(env, fd);
}

/* One ioctl on an interface by name, through a throwaway datagram socket. */
static int ifaceIoctl(unsigned long request, struct ifreq *ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  int r = ioctl(s, request, ifr) < 0 ? -errno : 0;
  close(s);
  return r;
}

static int nameArg(napi_env env, napi_value v, struct ifreq *ifr) {
  char name[IFNAMSIZ + 1];
  if (!getString(env, v, name, sizeof(name))) return 0;
  memset(ifr, 0, sizeof(*ifr));
  memcpy(ifr->ifr_name, name, strlen(name));
  return 1;
}

/* setMac(name, mac: Uint8Array(6)) -> 0 or -errno. */
static napi_value SetMac(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct ifreq ifr;
  uint8_t *mac;
  size_t len;
  if (argc < 2 || !nameArg(env, argv[0], &ifr) || !getBytes(env, argv[1], &mac, &len) || len != 6) {
    return typeError(env, "setMac(name: string, mac: Uint8Array(6))");
  }
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
  return int32Value(env, ifaceIoctl(SIOCSIFHWADDR, &ifr));
}

/* setMtu(name, mtu) -> 0 or -errno. */
static napi_value SetMtu(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct ifreq ifr;
  int32_t mtu;
  if (argc < 2 || !nameArg(env, argv[0], &ifr) || !getInt(env, argv[1], &mtu)) return typeError(env, "setMtu(name: string, mtu: number)");
  ifr.ifr_mtu = mtu;
  return int32Value(env, ifaceIoctl(SIOCSIFMTU, &ifr));
}

/* setUp(name, up) -> 0 or -errno. Up means IFF_UP | IFF_MULTICAST, as ZeroTier brings taps up. */
static napi_value SetUp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct ifreq ifr;
  bool up;
  if (argc < 2 || !nameArg(env, argv[0], &ifr) || napi_get_value_bool(env, argv[1], &up) != napi_ok) {
    return typeError(env, "setUp(name: string, up: boolean)");
  }
  int r = ifaceIoctl(SIOCGIFFLAGS, &ifr);
  if (r < 0) return int32Value(env, r);
  if (up) ifr.ifr_flags |= IFF_UP | IFF_MULTICAST;
  else ifr.ifr_flags &= ~IFF_UP;
  return int32Value(env, ifaceIoctl(SIOCSIFFLAGS, &ifr));
}

/* writeFrame(fd, header: Uint8Array(>=14), payload: Uint8Array, payloadLength) -> bytes or -errno. */
static napi_value WriteFrame(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, n;
  uint8_t *header, *payload;
  size_t headerLen, payloadLen;
  if (argc < 4 || !getInt(env, argv[0], &fd) || !getBytes(env, argv[1], &header, &headerLen) || headerLen < ETH_HEADER ||
      !getBytes(env, argv[2], &payload, &payloadLen) || !getInt(env, argv[3], &n)) {
    return typeError(env, "writeFrame(fd: number, header: Uint8Array(14), payload: Uint8Array, length: number)");
  }
  if (n < 0 || (size_t)n > payloadLen) return int32Value(env, -EINVAL);
  struct iovec iov[2] = {{header, ETH_HEADER}, {payload, (size_t)n}};
  ssize_t w;
  do {
    w = writev(fd, iov, n > 0 ? 2 : 1);
  } while (w < 0 && errno == EINTR);
  return int32Value(env, w < 0 ? -errno : (int32_t)w);
}

/* ---- The batched reader ------------------------------------------------------------------ */

struct Reader;

/* Marks reader handles as ours, so a foreign external passed to stopReader is refused. */
static const napi_type_tag READER_TAG = {0x7a7461705f726561ULL, 0x6465725f68616e64ULL};

/* What the JavaScript handle points to: lets stopReader find the reader, or learn it is gone. */
typedef struct Box {
  struct Reader *reader;
} Box;

typedef struct Reader {
  uv_poll_t poll;
  Box *box;
  napi_env env;
  napi_ref callback;
  napi_ref framesRef;
  napi_ref lengthsRef;
  napi_async_context context;
  uint8_t *frames;
  uint32_t *lengths;
  size_t slotSize;
  size_t slots;
  int fd;
  int stopped;
} Reader;

static void readerClosed(uv_handle_t *handle) {
  Reader *r = handle->data;
  if (r->box) r->box->reader = NULL;
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->framesRef);
  napi_delete_reference(r->env, r->lengthsRef);
  napi_async_destroy(r->env, r->context);
  free(r);
}

static void closeReader(Reader *r) {
  r->stopped = 1;
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, readerClosed);
}

static void readerCleanupHook(void *data) {
  Reader *r = data;
  if (!r->stopped) closeReader(r);
}

static void stopReader(Reader *r) {
  if (r->stopped) return;
  napi_remove_env_cleanup_hook(r->env, readerCleanupHook, r);
  closeReader(r);
}

/* Calls back with (count) frames read, or (-errno) once on a read error other than EAGAIN. */
static void callBack(Reader *r, int32_t value) {
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  napi_value fn, recv, arg, result;
  napi_get_reference_value(r->env, r->callback, &fn);
  napi_get_global(r->env, &recv); /* make_callback needs an object receiver */
  napi_create_int32(r->env, value, &arg);
  /* make_callback drains microtasks afterwards, as an I/O callback of node's own would. */
  if (napi_make_callback(r->env, r->context, recv, fn, 1, &arg, &result) == napi_pending_exception) {
    napi_value e;
    napi_get_and_clear_last_exception(r->env, &e);
    napi_fatal_exception(r->env, e);
  }
  napi_close_handle_scope(r->env, scope);
}

static void onReadable(uv_poll_t *handle, int status, int events) {
  Reader *r = handle->data;
  (void)events;
  if (r->stopped) return;
  if (status < 0) {
    callBack(r, status);
    return;
  }
  size_t count = 0;
  int error = 0;
  while (count < r->slots) {
    ssize_t n = read(r->fd, r->frames + count * r->slotSize, r->slotSize);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) error = -errno;
      break;
    }
    if (n == 0) break;
    r->lengths[count++] = (uint32_t)n;
  }
  if (count > 0) callBack(r, (int32_t)count);
  if (error && !r->stopped) callBack(r, error);
}

static void finalizeReaderHandle(napi_env env, void *data, void *hint) {
  Box *box = data;
  (void)env;
  (void)hint;
  if (box->reader) box->reader->box = NULL;
  free(box);
}

/*
 * startReader(fd, frames: Uint8Array(slots * slotSize), lengths: Uint32Array(slots), slotSize,
 * callback(countOrError)) -> reader handle. Frame i of a batch is frames[i*slotSize ..
 * i*slotSize + lengths[i]].
 */
static napi_value StartReader(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, slotSize;
  uint8_t *frames;
  size_t framesLen, lengthsLen;
  napi_valuetype fnType = napi_undefined;
  bool isTyped = false;
  napi_typedarray_type lengthsType;
  void *lengths = NULL;
  if (argc < 5 || !getInt(env, argv[0], &fd) || !getBytes(env, argv[1], &frames, &framesLen) ||
      napi_is_typedarray(env, argv[2], &isTyped) != napi_ok || !isTyped ||
      napi_get_typedarray_info(env, argv[2], &lengthsType, &lengthsLen, &lengths, NULL, NULL) != napi_ok ||
      lengthsType != napi_uint32_array || !getInt(env, argv[3], &slotSize) || slotSize < ETH_HEADER ||
      napi_typeof(env, argv[4], &fnType) != napi_ok || fnType != napi_function) {
    return typeError(env, "startReader(fd, frames: Uint8Array, lengths: Uint32Array, slotSize: number, callback: function)");
  }
  size_t slots = framesLen / (size_t)slotSize;
  if (slots > lengthsLen) slots = lengthsLen;
  if (slots == 0) return typeError(env, "startReader: the buffers hold no slot");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return int32Value(env, -EINVAL);
  Reader *r = calloc(1, sizeof(Reader));
  if (!r) return int32Value(env, -ENOMEM);
  r->env = env;
  r->frames = frames;
  r->lengths = lengths;
  r->slotSize = (size_t)slotSize;
  r->slots = slots;
  r->fd = fd;
  int e = uv_poll_init(loop, &r->poll, fd);
  if (e < 0) {
    free(r);
    return int32Value(env, e);
  }
  r->poll.data = r;
  napi_value resourceName;
  napi_create_string_utf8(env, "tierzero.tapReader", NAPI_AUTO_LENGTH, &resourceName);
  napi_async_init(env, NULL, resourceName, &r->context);
  napi_create_reference(env, argv[4], 1, &r->callback);
  napi_create_reference(env, argv[1], 1, &r->framesRef);
  napi_create_reference(env, argv[2], 1, &r->lengthsRef);
  e = uv_poll_start(&r->poll, UV_READABLE, onReadable);
  if (e < 0) {
    r->stopped = 1;
    uv_close((uv_handle_t *)&r->poll, readerClosed);
    return int32Value(env, e);
  }
  napi_add_env_cleanup_hook(env, readerCleanupHook, r);
  Box *box = calloc(1, sizeof(Box));
  napi_value handle;
  if (!box || napi_create_external(env, box, finalizeReaderHandle, NULL, &handle) != napi_ok) {
    free(box);
    stopReader(r);
    return int32Value(env, -ENOMEM);
  }
  napi_type_tag_object(env, handle, &READER_TAG);
  box->reader = r;
  r->box = box;
  return handle;
}

/* stopReader(handle): stops polling; the fd stays open (the caller closes it). Idempotent. */
static napi_value StopReader(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype t = napi_undefined;
  void *data = NULL;
  bool tagged = false;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external ||
      napi_check_object_type_tag(env, argv[0], &READER_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, argv[0], &data) != napi_ok) {
    return typeError(env, "stopReader(handle)");
  }
  Box *box = data;
  if (box->reader) stopReader(box->reader);
  return int32Value(env, 0);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor fns[] = {
      {"openTap", NULL, OpenTap, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMac", NULL, SetMac, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMtu", NULL, SetMtu, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setUp", NULL, SetUp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeFrame", NULL, WriteFrame, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startReader", NULL, StartReader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopReader", NULL, StopReader, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns) != napi_ok) return NULL;
  return exports;
}
