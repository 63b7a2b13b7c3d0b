#!/usr/bin/python3
"""Runs a program (scanner-probe) against fake USB scanners in a umockdev testbed, following a scenario.

    umockdev-wrapper /usr/bin/python3 harness.py SCENARIO.json -- PROGRAM [ARGS...]

Must run under umockdev-wrapper (the preload): plugging and unplugging send uevents, which umockdev looks up
in the mocked /sys. Needs Debian's python3-gi and gir1.2-umockdev-1.0, so use /usr/bin/python3.

The scenario is a JSON list of steps, run in order:
  {"plug": "keyboard"|"pos"|"composite", "port": "1", "devnum": 2, "serial": "SN0001", "pid": "0b61", "driver": "usbhid",
   "busy": 0}                             "busy": the first N claims fail with EBUSY
  {"start": [extra program arguments]}     start the program (devices plugged before are present at start)
  {"expectText": "text", "timeout": 10}   wait for a plain-text output line containing text (start with "stderr": true
                                         to read a daemon's log)
  {"expect": {field: value, ...}, "timeout": 10}
        wait for a program output line (JSON) whose fields include these (nested dicts match as subsets) and
        that no earlier expect step matched; order is left to the test, which sees every line
  {"scan": "text", "port": "1", "enter": true}   type a code on a keyboard-style fake
  {"pos": "data", "symbology": "]E0", "port": "1"}  send a HID POS code (split into continued reports)
  {"reports": ["hex", ...], "port": "1"}  raw input reports
  {"idle": "1"}                           wait until that fake has handed out every queued report
  {"unplug": "1", "uevent": true}          fail its URBs with ENODEV and (unless uevent is false) send "remove"
  {"run": [argv...]}                       run a command, pass its stdout on, fail if it fails
  {"sleep": 0.2}
  {"stop": true}                          SIGTERM the program and wait for it (done at the end anyway)
Program output lines go to stdout as they are, with {"harness": "ioctls", "port": …, "names": […],
"driverBound": …, "claimed": […]} for each fake at its unplug and at the end; notes go to stderr. Exit 0 when every step
passed and the program exited 0.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import gi
gi.require_version("UMockdev", "1.0")
from gi.repository import UMockdev  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_usb_scanner import FakeHidScanner, POS_REPORT_DESC, pos_reports  # noqa: E402

HCD = "/devices/pci0000:00/0000:00:14.0"
ROOT_HUB = """P: %s/usb1
N: bus/usb/001/001=12010002090001406B1D020006060302010109021900010100E0000904000001090000000705810304000C
E: BUSNUM=001
E: DEVNAME=/dev/bus/usb/001/001
E: DEVNUM=001
E: DEVTYPE=usb_device
E: DRIVER=usb
E: SUBSYSTEM=usb
A: bConfigurationValue=1\\n
A: busnum=1\\n
H: descriptors=12010002090001406B1D020006060302010109021900010100E0000904000001090000000705810304000C
A: dev=189:0
A: devnum=1\\n
A: idProduct=0002
A: idVendor=1d6b
A: speed=480\\n
""" % HCD

BOOT_KBD = ("0c2e", "0b61", "030101",
            "09022200010100A032" "090400000103010100" "092111010001223F00" "0705810308000A")
# Composite: interface 0 boot keyboard (EP 0x81), interface 1 HID POS (EP 0x82 IN, 0x02 OUT).
COMPOSITE = ("0c2e", "0b63", "030101",
             "09024200020100A032" "090400000103010100" "092111010001223F00" "0705810308000A"
             "090401000203000000" "09211101000122" + "%02X00" % 62 + "0705820340000107050203400001")
# HID POS: interface 03/00/00, 64-byte interrupt IN and OUT endpoints, 62-byte report descriptor.
POS = ("0c2e", "0b62", "030000",
       "09022900010100A032" "090400000203000000" "09211101000122" + "%02X00" % len(POS_REPORT_DESC)
       + "0705810340000107050203400001")


def device_blocks(kind, port, devnum, serial, pid=None):
    vid, default_pid, iface, config = {"keyboard": BOOT_KBD, "pos": POS, "composite": COMPOSITE}[kind]
    pid = pid or default_pid
    device = ("12010002000000402E0C" + pid[2:4] + pid[0:2] + "0001010203" + "01").upper()
    descriptors = device + config.upper()
    path = "%s/usb1/1-%s" % (HCD, port)
    node = "bus/usb/001/%03d" % devnum
    cls, sub, proto = int(iface[0:2], 16), int(iface[2:4], 16), int(iface[4:6], 16)
    dev = f"""P: {path}
N: {node}={descriptors}
E: BUSNUM=001
E: DEVNAME=/dev/{node}
E: DEVNUM={devnum:03d}
E: DEVTYPE=usb_device
E: DRIVER=usb
E: ID_SERIAL_SHORT={serial}
E: PRODUCT={int(vid, 16):x}/{int(pid, 16):x}/100
E: SUBSYSTEM=usb
A: bConfigurationValue=1\\n
A: busnum=1\\n
H: descriptors={descriptors}
A: dev=189:{devnum - 1}
A: devnum={devnum}\\n
A: devpath={port}
A: idProduct={pid}
A: idVendor={vid}
A: manufacturer=Fake Scanner Co\\n
A: product=Fake {kind} scanner\\n
A: serial={serial}\\n
A: speed=12\\n
"""
    intf = f"""P: {path}/1-{port}:1.0
E: DEVTYPE=usb_interface
E: DRIVER=usbhid
E: INTERFACE={cls}/{sub}/{proto}
E: SUBSYSTEM=usb
A: bInterfaceClass={cls:02x}
A: bInterfaceNumber=00
A: bInterfaceProtocol={proto:02x}
A: bInterfaceSubClass={sub:02x}
"""
    return "/sys" + path, "/dev/" + node, descriptors, dev, intf


def note(text):
    print("harness: " + text, file=sys.stderr, flush=True)


def main():
    scenario = json.load(open(sys.argv[1]))
    cmd = sys.argv[sys.argv.index("--") + 1:]
    tb = UMockdev.Testbed.new()
    tb.add_from_string(ROOT_HUB)
    env = dict(os.environ, UMOCKDEV_DIR=tb.get_root_dir())
    env["LD_PRELOAD"] = "libumockdev-preload.so.0" + (":" + env["LD_PRELOAD"] if env.get("LD_PRELOAD") else "")
    fakes = {}      # port -> (FakeHidScanner, syspath, devnode)
    lines = []      # program output (parsed JSON or raw text)
    arrived = queue.Queue()
    proc = None
    used = set()    # lines an expect step has matched

    def reader(stream):
        for line in stream:
            sys.stdout.write(line)
            sys.stdout.flush()
            try:
                arrived.put(json.loads(line))
            except ValueError:
                arrived.put({"raw": line.rstrip("\n")})
        arrived.put(None)

    def matches(have, want):
        if isinstance(want, dict):
            return isinstance(have, dict) and all(k in have and matches(have[k], v) for k, v in want.items())
        return have == want

    def report_ioctls(port, fake):
        # What the program did to the device, for the test to check (detach, claim, cancel, release).
        print(json.dumps({"harness": "ioctls", "port": port, "names": sorted({n for n, _, _ in fake.log}),
                          "driverBound": bool(fake.driver), "drivers": sorted(fake.driver),
                          "claimed": sorted(fake.claimed)}), flush=True)

    def stop():
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=15) if proc else 0
        return rc

    try:
        for step in scenario:
            if "plug" in step:
                port = str(step.get("port", "1"))
                devnum = int(step.get("devnum", 2))
                syspath, devnode, descriptors, dev, intf = device_blocks(
                    step["plug"], port, devnum, step.get("serial", "SN0001"), step.get("pid"))
                try:
                    tb.detach_ioctl(devnode)
                except Exception:
                    pass
                kind = step["plug"]
                keyboard_desc = bytes.fromhex(
                    "05010906a101050719e029e71500250175019508810295017508810195057501"
                    "050819012905910295017503910195067508150025650507190029658100c0")
                report_desc = {"keyboard": keyboard_desc, "pos": POS_REPORT_DESC,
                               "composite": {0: keyboard_desc, 1: POS_REPORT_DESC}}[kind]
                fake = FakeHidScanner(
                    tb, devnode, devnum=devnum, descriptors=bytes.fromhex(descriptors),
                    strings={1: "Fake Scanner Co", 2: "Fake %s scanner" % kind, 3: step.get("serial", "SN0001")},
                    report_desc=report_desc, interfaces=(0, 1) if kind == "composite" else (0,),
                    in_ep=0x82 if kind == "composite" else 0x81,
                    kernel_driver=step.get("driver", "usbhid"), busy_claims=int(step.get("busy", 0)))
                tb.add_from_string(dev)      # under the preload this sends the "add" uevent
                tb.add_from_string(intf)
                fakes[port] = (fake, syspath, devnode)
                note("plugged %s at 1-%s (%s)" % (kind, port, devnode))
            elif "start" in step:
                # "stderr": true merges the program's stderr (a daemon's log) into the lines "expectText" reads.
                proc = subprocess.Popen(
                    cmd + step["start"], env=env, stdout=subprocess.PIPE, text=True,
                    stderr=subprocess.STDOUT if step.get("stderr") else None)
                threading.Thread(target=reader, args=(proc.stdout,), daemon=True).start()
            elif "expectText" in step:
                # Waits for a plain-text output line containing this text (a log line).
                deadline = time.monotonic() + step.get("timeout", 10)
                want = step["expectText"]
                while True:
                    found = next((i for i, line in enumerate(lines)
                                  if i not in used and want in line.get("raw", json.dumps(line, ensure_ascii=False))), None)
                    if found is not None:
                        used.add(found)
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise SystemExit("harness: FAIL: no line containing %r" % want)
                    try:
                        item = arrived.get(timeout=remaining)
                    except queue.Empty:
                        continue
                    if item is None:
                        raise SystemExit("harness: FAIL: program ended before a line containing %r" % want)
                    lines.append(item)
            elif "expect" in step:
                deadline = time.monotonic() + step.get("timeout", 10)
                while True:
                    found = next((i for i, line in enumerate(lines) if i not in used and matches(line, step["expect"])), None)
                    if found is not None:
                        used.add(found)
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise SystemExit("harness: FAIL: no line matching %s" % json.dumps(step["expect"]))
                    try:
                        item = arrived.get(timeout=remaining)
                    except queue.Empty:
                        continue
                    if item is None:
                        raise SystemExit("harness: FAIL: program ended before %s" % json.dumps(step["expect"]))
                    lines.append(item)
            elif "scan" in step:
                fakes[str(step.get("port", "1"))][0].scan(step["scan"], enter=step.get("enter", True))
            elif "pos" in step:
                fakes[str(step.get("port", "1"))][0].send_reports(pos_reports(step["pos"], step.get("symbology", "]E0")))
            elif "reports" in step:
                fakes[str(step.get("port", "1"))][0].send_reports(bytes.fromhex(r) for r in step["reports"])
            elif "idle" in step:
                fake = fakes[str(step["idle"])][0]
                deadline = time.monotonic() + step.get("timeout", 10)
                while not fake.idle():
                    if time.monotonic() > deadline:
                        raise SystemExit("harness: FAIL: fake at 1-%s still has reports queued" % step["idle"])
                    time.sleep(0.005)
            elif "unplug" in step:
                fake, syspath, devnode = fakes.pop(str(step["unplug"]))
                report_ioctls(str(step["unplug"]), fake)
                fake.unplug()
                if step.get("uevent", True):
                    tb.uevent(syspath, "remove")
                    tb.remove_device(syspath + "/" + os.path.basename(syspath) + ":1.0")
                    tb.remove_device(syspath)
                note("unplugged %s" % syspath)
            elif "run" in step:
                # Runs a command (e.g. a client asking the program for its state) and passes its output on.
                out = subprocess.run(step["run"], capture_output=True, text=True, timeout=step.get("timeout", 60))
                sys.stdout.write(out.stdout)
                sys.stdout.flush()
                if out.returncode != 0:
                    raise SystemExit("harness: FAIL: %s exited %d: %s" % (step["run"][0], out.returncode, out.stderr.strip()))
            elif "sleep" in step:
                time.sleep(step["sleep"])
            elif "stop" in step:
                rc = stop()
                note("program exited %d" % rc)
            else:
                raise SystemExit("harness: FAIL: unknown step %s" % json.dumps(step))
        rc = stop()
        # Let the reader drain what the program printed while stopping.
        while arrived.get(timeout=5) is not None:
            pass
        for port, (fake, _, _) in sorted(fakes.items()):
            report_ioctls(port, fake)
    except SystemExit:
        if proc and proc.poll() is None:
            proc.kill()
        raise
    if rc != 0:
        raise SystemExit("harness: FAIL: program exited %d" % rc)
    note("OK")


if __name__ == "__main__":
    main()
