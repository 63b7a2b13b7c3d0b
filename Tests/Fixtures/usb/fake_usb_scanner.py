#!/usr/bin/python3
"""parcel-station's copy of the scriptable fake scanner (from the project's USB feasibility study; changes:
GS as Ctrl+], raw reports for HID POS, HID POS report builder, busy_claims, composite
interfaces, no URB accepted after unplug). Used by harness.py.

A scriptable fake USB HID boot-keyboard barcode scanner for umockdev >= 0.16
(tested with Debian 12's 0.17.16), implemented as a UMockdev.IoctlBase handler
that answers the usbdevfs ioctls libusb-1.0 issues on /dev/bus/usb/BBB/DDD.

Unlike the recorded ioctl-tree replay (umockdev-run --ioctl), this handler:
  * keeps interrupt IN URBs pending until the test "scans" something,
  * supports several URBs in flight, USBDEVFS_DISCARDURB (libusb_cancel_transfer),
  * answers control IN transfers (string/report descriptors), SET_IDLE/SET_PROTOCOL,
  * reports a bound kernel driver ("usbhid") via USBDEVFS_GETDRIVER and supports
    explicit detach (USBDEVFS_IOCTL/USBDEVFS_DISCONNECT) and auto-detach
    (USBDEVFS_DISCONNECT_CLAIM),
  * can be unplugged: pending URBs fail, further ioctls return ENODEV.

Needs Debian's python3-gi and gir1.2-umockdev-1.0: use /usr/bin/python3, and run
the test script under `umockdev-wrapper` if it also sends uevents (hotplug).
x86_64/aarch64 (LP64, little-endian) struct layouts are assumed.
"""
import errno
import struct
import threading

import gi
gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

# <linux/usbdevice_fs.h>, LP64
USBDEVFS_SETINTERFACE = 0x80085504
USBDEVFS_SETCONFIGURATION = 0x80045505
USBDEVFS_GETDRIVER = 0x41045508
USBDEVFS_SUBMITURB = 0x8038550A
USBDEVFS_DISCARDURB = 0x0000550B
USBDEVFS_REAPURB = 0x4008550C
USBDEVFS_REAPURBNDELAY = 0x4008550D
USBDEVFS_CLAIMINTERFACE = 0x8004550F
USBDEVFS_RELEASEINTERFACE = 0x80045510
USBDEVFS_CONNECTINFO = 0x40085511
USBDEVFS_IOCTL = 0xC0105512
USBDEVFS_RESET = 0x00005514
USBDEVFS_CLEAR_HALT = 0x80045515
USBDEVFS_DISCONNECT = 0x00005516
USBDEVFS_CONNECT = 0x00005517
USBDEVFS_GET_CAPABILITIES = 0x8004551A
USBDEVFS_DISCONNECT_CLAIM = 0x8108551B
USBDEVFS_GET_SPEED = 0x0000551F
USBDEVFS_RESETEP = 0x80045503

URB_TYPE_ISO, URB_TYPE_INTERRUPT, URB_TYPE_CONTROL, URB_TYPE_BULK = 0, 1, 2, 3
URB_SIZE = 56  # struct usbdevfs_urb: type@0 endpoint@1 status@4 flags@8 buffer@16
#               buffer_length@24 actual_length@28 error_count@40 usercontext@48
CAPS = 0x0F | 0x40  # ZERO_PACKET|BULK_CONTINUATION|NO_PACKET_SIZE_LIM|BULK_SCATTER_GATHER|REAP_AFTER_DISCONNECT

NAMES = {v: k for k, v in globals().items() if k.startswith("USBDEVFS_")}

# standard HID boot keyboard report descriptor (63 bytes)
BOOT_KBD_REPORT_DESC = bytes.fromhex(
    "05010906a101050719e029e71500250175019508810295017508810195057501"
    "050819012905910295017503910195067508150025650507190029658100c0")

KEYMAP = {}
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    KEYMAP[_c] = (0x00, 0x04 + _i)
    KEYMAP[_c.upper()] = (0x02, 0x04 + _i)
for _i, _c in enumerate("1234567890"):
    KEYMAP[_c] = (0x00, 0x1E + _i)
for _i, _c in enumerate("!@#$%^&*()"):
    KEYMAP[_c] = (0x02, 0x1E + _i)
for _i, (_lo, _hi) in enumerate(zip(" -=[]\\#;'`,./", " _+{}|~:\"~<>?")):
    KEYMAP.setdefault(_lo, (0x00, 0x2C + _i))
    KEYMAP.setdefault(_hi, (0x02, 0x2C + _i))
KEYMAP["\t"] = (0x00, 0x2B)
KEYMAP["\n"] = (0x00, 0x28)
KEYMAP["\x1d"] = (0x01, 0x30)  # GS (GS1 FNC1) as Ctrl+]

# HID POS report descriptor (usage page 0x8C), the Honeywell layout: report ID 2, byte count (0x01:0x3B),
# symbology identifier 1-3 (0xFB-0xFD), 56 bytes decoded data (0xFE, buffered bytes), decode data continued (0xFF)
# as bit 0 of the last byte: 62-byte reports.
POS_REPORT_DESC = bytes.fromhex(
    "058c0902a10185020912a1020501093b150026ff00750895018102058c09fb09fc09fd9503810209fe9538820201"
    "09ff250175019501810275078103c0c0")


def pos_reports(data, symbology="]E0", chunk=56):
    """HID POS input reports for one code: data split into 56-byte pieces, all but the last flagged continued."""
    data = data.encode() if isinstance(data, str) else bytes(data)
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] or [b""]
    for n, piece in enumerate(pieces):
        more = 1 if n < len(pieces) - 1 else 0
        yield bytes([2, len(piece)]) + symbology.encode()[:3].ljust(3, b"\0") + piece.ljust(chunk, b"\0") + bytes([more])


def keyboard_reports(text):
    """8-byte boot keyboard reports for text: press + release per character."""
    for ch in text:
        mod, usage = KEYMAP[ch]
        yield bytes([mod, 0, usage, 0, 0, 0, 0, 0])
        yield bytes(8)


class FakeHidScanner:
    def __init__(self, testbed, devnode="/dev/bus/usb/001/002", *, devnum=2,
                 descriptors=None, strings=None, report_desc=BOOT_KBD_REPORT_DESC,
                 kernel_driver="usbhid", in_ep=0x81, reap_wait=0.005, debug=False, busy_claims=0, interfaces=(0,)):
        self.tb = testbed
        self.devnode = devnode
        self.devnum = devnum
        self.descriptors = descriptors or bytes.fromhex(
            "12010002000000402E0C610B00010102030109022200010100A032"
            "090400000103010100092111010001223F000705810308000A")
        self.strings = strings or {1: "Fake Scanner Co", 2: "Fake HID Barcode Scanner", 3: "SN0001"}
        self.report_desc = report_desc
        self.driver = {i: kernel_driver for i in interfaces} if kernel_driver else {}
        self.claimed = set()
        self.busy_claims = busy_claims   # this many claims fail with EBUSY (another program holds it)
        self.in_ep = in_ep
        self.reap_wait = reap_wait
        self.debug = debug
        self.unplugged = False
        self._empty_reaps = 0
        self.cond = threading.Condition()
        self.reports = []        # queued IN reports (bytes) for in_ep
        self.pending = []        # [urb_addr, type, ep, buffer_length] waiting for data
        self.done = []           # [urb_addr, status, data(bytes or None), actual_length]
        self.log = []            # (ioctl name, result) for assertions
        self.handler = UMockdev.IoctlBase()
        self.handler.connect("handle-ioctl", self._on_ioctl)
        testbed.attach_ioctl(devnode, self.handler)

    # ---- test-side API (any thread) ----
    def scan(self, text, enter=True):
        """Queue the key reports for one barcode (plus Enter)."""
        with self.cond:
            self.reports.extend(keyboard_reports(text + ("\n" if enter else "")))
            self._match_locked()
            self.cond.notify_all()

    def send_reports(self, reports):
        """Queue raw IN reports (bytes each)."""
        with self.cond:
            self.reports.extend(bytes(r) for r in reports)
            self._match_locked()
            self.cond.notify_all()

    def unplug(self):
        """Fail pending URBs with -ENODEV; later ioctls fail with ENODEV."""
        with self.cond:
            self.unplugged = True
            for u in self.pending:
                self.done.append([u[0], -errno.ENODEV, None, 0])
            self.pending.clear()
            self.cond.notify_all()

    def idle(self):
        with self.cond:
            return not self.reports

    # ---- internals (umockdev worker thread) ----
    def _match_locked(self):
        while self.reports:
            for u in self.pending:
                if u[1] in (URB_TYPE_INTERRUPT, URB_TYPE_BULK) and u[2] == self.in_ep:
                    data = self.reports.pop(0)[:u[3]]
                    self.pending.remove(u)
                    self.done.append([u[0], 0, data, len(data)])
                    break
            else:
                return

    def _control(self, setup):
        """Return (status, data-for-IN or None) for a control transfer."""
        bmrt, breq, wval, widx, wlen = struct.unpack("<BBHHH", setup[:8])
        if bmrt == 0x80 and breq == 6:                          # GET_DESCRIPTOR (device)
            dtype, dindex = wval >> 8, wval & 0xFF
            if dtype == 1:
                return 0, self.descriptors[:18][:wlen]
            if dtype == 2:
                return 0, self.descriptors[18:][:wlen]
            if dtype == 3:
                if dindex == 0:
                    return 0, bytes([4, 3, 0x09, 0x04])[:wlen]  # LANGID en-US
                s = self.strings.get(dindex)
                if s is None:
                    return -errno.EPIPE, None
                enc = s.encode("utf-16-le")
                return 0, (bytes([2 + len(enc), 3]) + enc)[:wlen]
            return -errno.EPIPE, None
        if bmrt == 0x81 and breq == 6 and wval >> 8 == 0x22:    # HID report descriptor (per interface if a dict)
            desc = self.report_desc.get(widx, b"") if isinstance(self.report_desc, dict) else self.report_desc
            return 0, desc[:wlen]
        if bmrt == 0x21 and breq in (0x09, 0x0A, 0x0B):         # SET_REPORT/IDLE/PROTOCOL
            return 0, b""
        if bmrt == 0x00 and breq == 9:                           # SET_CONFIGURATION
            return 0, b""
        return -errno.EPIPE, None                                # STALL

    def _on_ioctl(self, handler, client):
        req = client.get_request()
        arg = client.get_arg()
        ret, err = 0, 0
        try:
            if self.unplugged and req != USBDEVFS_REAPURBNDELAY and req != USBDEVFS_REAPURB:
                ret, err = -1, errno.ENODEV
            elif req == USBDEVFS_GET_CAPABILITIES:
                arg.resolve(0, 4).update(0, struct.pack("<I", CAPS))
            elif req == USBDEVFS_GETDRIVER:
                d = arg.resolve(0, 260)
                ifno = struct.unpack("<I", d.retrieve()[:4])[0]
                if ifno in self.driver:
                    d.update(4, self.driver[ifno].encode() + b"\0")
                else:
                    ret, err = -1, errno.ENODATA
            elif req == USBDEVFS_IOCTL:
                d = arg.resolve(0, 16)
                ifno, code = struct.unpack("<ii", d.retrieve()[:8])
                if code == USBDEVFS_DISCONNECT:
                    if ifno in self.driver:
                        del self.driver[ifno]
                    else:
                        ret, err = -1, errno.ENODATA
                elif code == USBDEVFS_CONNECT:
                    self.driver.setdefault(ifno, "usbhid")
                else:
                    ret, err = -1, errno.ENOTTY
            elif req in (USBDEVFS_DISCONNECT_CLAIM, USBDEVFS_CLAIMINTERFACE) and self.busy_claims > 0:
                self.busy_claims -= 1
                ret, err = -1, errno.EBUSY
            elif req == USBDEVFS_DISCONNECT_CLAIM:
                d = arg.resolve(0, 264)
                ifno = struct.unpack("<I", d.retrieve()[:4])[0]
                self.driver.pop(ifno, None)
                self.claimed.add(ifno)
            elif req == USBDEVFS_CLAIMINTERFACE:
                ifno = struct.unpack("<I", arg.resolve(0, 4).retrieve())[0]
                if ifno in self.driver:
                    ret, err = -1, errno.EBUSY
                else:
                    self.claimed.add(ifno)
            elif req == USBDEVFS_RELEASEINTERFACE:
                ifno = struct.unpack("<I", arg.resolve(0, 4).retrieve())[0]
                self.claimed.discard(ifno)
            elif req == USBDEVFS_CONNECTINFO:
                arg.resolve(0, 8).update(0, struct.pack("<IB3x", self.devnum, 0))
            elif req in (USBDEVFS_SETINTERFACE, USBDEVFS_SETCONFIGURATION, USBDEVFS_CLEAR_HALT,
                         USBDEVFS_RESET, USBDEVFS_RESETEP):
                pass
            elif req == USBDEVFS_SUBMITURB:
                urb_addr = struct.unpack("<Q", arg.retrieve()[:8])[0]
                urb = arg.resolve(0, URB_SIZE)
                raw = urb.retrieve()
                utype, ep = raw[0], raw[1]
                blen = struct.unpack("<i", raw[24:28])[0]
                with self.cond:
                    if self.unplugged:                          # unplugged while this ioctl was on its way
                        ret, err = -1, errno.ENODEV
                    elif utype == URB_TYPE_CONTROL:
                        setup = urb.resolve(16, blen).retrieve()[:8]
                        status, data = self._control(setup)
                        self.done.append([urb_addr, status, data, len(data or b"")])
                    elif (ep & 0x80) == 0:                     # OUT (e.g. LED report): accept
                        self.done.append([urb_addr, 0, None, blen])
                    else:
                        self.pending.append([urb_addr, utype, ep, blen])
                        self._match_locked()
                    self.cond.notify_all()
            elif req == USBDEVFS_DISCARDURB:
                urb_addr = struct.unpack("<Q", arg.retrieve()[:8])[0]
                with self.cond:
                    for u in self.pending:
                        if u[0] == urb_addr:
                            self.pending.remove(u)
                            self.done.append([urb_addr, -errno.ENOENT, None, 0])
                            self.cond.notify_all()
                            break
                    else:
                        ret, err = -1, errno.EINVAL
            elif req in (USBDEVFS_REAPURBNDELAY, USBDEVFS_REAPURB):
                with self.cond:
                    if not self.done and not self.unplugged and self._empty_reaps:
                        # throttle libusb's poll loop: the fake fd is always "writable",
                        # so libusb polls+reaps in a tight loop while it waits. The first
                        # EAGAIN (libusb draining after a completion) returns at once.
                        self.cond.wait(self.reap_wait)
                    item = self.done.pop(0) if self.done else None
                    self._empty_reaps = 0 if item else self._empty_reaps + 1
                if item is None:
                    ret, err = -1, (errno.ENODEV if self.unplugged else errno.EAGAIN)
                else:
                    urb_addr, status, data, actual = item
                    slot = arg.resolve(0, 8)                  # the client's "void *" slot
                    slot.update(0, struct.pack("<Q", urb_addr))
                    urb = slot.resolve(0, URB_SIZE)           # now points at the submitted URB
                    raw = urb.retrieve()
                    if data:
                        off = 8 if raw[0] == URB_TYPE_CONTROL else 0
                        blen = struct.unpack("<i", raw[24:28])[0]
                        urb.resolve(16, blen).update(off, data)
                    urb.update(4, struct.pack("<i", status))
                    urb.update(28, struct.pack("<i", actual))
                    urb.update(40, struct.pack("<i", 0))
            else:
                ret, err = -1, errno.ENOTTY
        except Exception as e:  # never leave the client hanging
            print("fake scanner: error handling %s: %r" % (NAMES.get(req, hex(req)), e))
            ret, err = -1, errno.EIO
        if self.debug and (req != USBDEVFS_REAPURBNDELAY or ret == 0):
            print("ioctl %s -> %d %s" % (NAMES.get(req, hex(req)), ret, errno.errorcode.get(err, "")))
        self.log.append((NAMES.get(req, hex(req)), ret, err))
        client.complete(ret, err)
        return True
