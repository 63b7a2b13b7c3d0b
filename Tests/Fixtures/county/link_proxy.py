#!/usr/bin/env python3
"""A TCP proxy on loopback standing in for a station's unreliable link to the county.

Prints the port it listens on, then reads commands on stdin, one per line, answering "ok" to each:
  down            refuse the link: new connections are closed at once, open ones are cut
  up              let connections through again
  cut-after N     cut the link (both sides) once N more bytes have gone from station to county
  blackhole       a network that swallows packets: connections stay open (new ones are accepted) but nothing
                  is forwarded either way; what was held back is delivered after "forward", as TCP would
  forward         end the black hole
  target PORT     send new connections to another server (a failover); open ones keep their server
  quit            stop
"""
import socket
import sys
import threading

lock = threading.Lock()
flowing = threading.Condition(lock)
state = {"up": True, "cut_after": None, "sent": 0, "cuts": 0, "blackhole": False, "target": int(sys.argv[1])}
open_pairs = []


def close_pair(pair):
    for s in pair:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


def pump(source, sink, pair, upstream):
    try:
        while True:
            with lock:
                flowing.wait_for(lambda: not state["blackhole"])
            data = source.recv(65536)
            if not data:
                break
            with lock:
                flowing.wait_for(lambda: not state["blackhole"])
            if upstream:
                with lock:
                    if state["cut_after"] is not None:
                        room = state["cut_after"] - state["sent"]
                        if len(data) >= room:
                            # Forward only part of the data, then cut: the county sees half a message.
                            if room > 0:
                                sink.sendall(data[:room])
                            state["cut_after"] = None
                            state["sent"] = 0
                            state["cuts"] += 1
                            raise ConnectionAbortedError("cut")
                        state["sent"] += len(data)
            sink.sendall(data)
    except OSError:
        pass
    close_pair(pair)


def serve(listener):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        with lock:
            up = state["up"]
            target_port = state["target"]
        if not up:
            close_pair([client])
            continue
        try:
            server = socket.create_connection(("127.0.0.1", target_port))
        except OSError:
            close_pair([client])
            continue
        pair = [client, server]
        with lock:
            open_pairs.append(pair)
        threading.Thread(target=pump, args=(client, server, pair, True), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, pair, False), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
threading.Thread(target=serve, args=(listener,), daemon=True).start()

for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "down":
        with lock:
            state["up"] = False
            pairs = list(open_pairs)
            open_pairs.clear()
        for pair in pairs:
            close_pair(pair)
    elif words[0] == "up":
        with lock:
            state["up"] = True
    elif words[0] == "cut-after":
        with lock:
            state["cut_after"] = int(words[1])
            state["sent"] = 0
    elif words[0] in ("blackhole", "forward"):
        with lock:
            state["blackhole"] = words[0] == "blackhole"
            flowing.notify_all()
    elif words[0] == "target":
        with lock:
            state["target"] = int(words[1])
    elif words[0] == "cuts":
        with lock:
            print(state["cuts"], flush=True)
            continue
    elif words[0] == "quit":
        break
    print("ok", flush=True)
listener.close()
