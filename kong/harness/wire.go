package harness

// Framing and RPC calls as kong/runloop/plugin_servers/rpc/pb_rpc.lua does them:
// every message is a 4-byte little-endian length followed by the payload
// (read_frame/write_frame, lua_pack "I"), and Kong opens one connection per RPC.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	pb "github.com/Kong/go-pdk/server/kong_plugin_protocol"
	"google.golang.org/protobuf/proto"
)

// maxFrame bounds a frame read from a plugin server; go-pdk never sends more
// than a PDK argument or an RpcReturn, so 64 MiB is generous.
const maxFrame = 64 << 20

// rpcTimeout bounds one RPC (including its whole bridge loop).
const rpcTimeout = 30 * time.Second

func readFrame(c net.Conn) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, frameErr(err)
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes exceeds limit %d", n, maxFrame)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		return nil, frameErr(err)
	}
	return buf, nil
}

// frameErr maps a read error to the word ngx.socket uses, "closed", which
// handle_event in pb_rpc.lua looks for to reset the instance and retry.
func frameErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return errors.New("closed")
	}
	return err
}

func writeFrame(c net.Conn, msg []byte) error {
	var hdr [4]byte
	binary.LittleEndian.PutUint32(hdr[:], uint32(len(msg)))
	if _, err := c.Write(hdr[:]); err != nil {
		return err
	}
	if len(msg) == 0 {
		return nil
	}
	_, err := c.Write(msg)
	return err
}

// bridgeFunc answers one PDK call inside the bridge loop. It returns the
// encoded reply, or a control value telling the loop to stop.
type bridgeFunc func(method string, arg []byte) ([]byte, bridgeCtl)

// bridgeCtl tells the bridge loop how a PDK call ended.
type bridgeCtl struct {
	// abandon: Kong never answers (kong.response.exit yielded the coroutine or
	// called ngx.exit); the connection stays open until the request ends.
	abandon bool
	// luaErr: the PDK function raised a Lua error, which unwinds the phase handler.
	luaErr error
	// rpcErr: call_pdk returned nil, err (for example an unknown method).
	rpcErr error
}

// rpcResult is the outcome of Rpc:call.
type rpcResult struct {
	ret       *pb.RpcReturn
	err       error    // what Rpc:call returns as err
	luaErr    error    // a Lua error raised inside the bridge loop
	abandoned net.Conn // connection left open by an exit
}

// rpcCall performs Rpc:call: connect (from the keepalive pool), send RpcCall, run the bridge loop when
// asked, read the RpcReturn and check its sequence.
func rpcCall(pool *connPool, seq int64, call *pb.RpcCall, bridge bridgeFunc) rpcResult {
	c, err := pool.get()
	if err != nil {
		// pb_rpc.lua: kong.log.err("trying to connect: ", err); return nil, err
		return rpcResult{err: fmt.Errorf("trying to connect: %w", err)}
	}
	_ = c.SetDeadline(time.Now().Add(rpcTimeout))
	call.Sequence = seq
	msg, err := proto.Marshal(call)
	if err != nil {
		c.Close()
		return rpcResult{err: err}
	}
	if err := writeFrame(c, msg); err != nil {
		c.Close()
		return rpcResult{err: frameErr(err)}
	}
	for bridge != nil {
		method, err := readFrame(c)
		if err != nil {
			c.Close()
			return rpcResult{err: err}
		}
		if len(method) == 0 {
			break
		}
		args, err := readFrame(c)
		if err != nil {
			c.Close()
			return rpcResult{err: err}
		}
		reply, ctl := bridge(string(method), args)
		switch {
		case ctl.abandon:
			_ = c.SetDeadline(time.Time{})
			return rpcResult{abandoned: c}
		case ctl.luaErr != nil:
			c.Close()
			return rpcResult{luaErr: ctl.luaErr}
		case ctl.rpcErr != nil:
			c.Close()
			return rpcResult{err: ctl.rpcErr}
		}
		if err := writeFrame(c, reply); err != nil {
			c.Close()
			return rpcResult{err: frameErr(err)}
		}
	}
	data, err := readFrame(c)
	if err != nil {
		c.Close()
		return rpcResult{err: err}
	}
	pool.put(c) // pb_rpc.lua: c:setkeepalive()
	var ret pb.RpcReturn
	if err := proto.Unmarshal(data, &ret); err != nil {
		return rpcResult{err: fmt.Errorf("decoding RpcReturn: %w", err)}
	}
	// pb_rpc.lua: assert(msg.sequence == msg_id) -- a Lua error.
	if ret.Sequence != seq {
		return rpcResult{luaErr: fmt.Errorf("assertion failed: RpcReturn sequence %d, want %d", ret.Sequence, seq)}
	}
	return rpcResult{ret: &ret}
}
