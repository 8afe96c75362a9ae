package harness

import "sync"

// CallStats counts PDK calls made while serving one request.
type CallStats struct {
	// ByPlugin maps plugin name to PDK method name ("kong.request.get_header") to count.
	ByPlugin map[string]map[string]int
	// Total maps plugin name to its total number of PDK calls.
	Total map[string]int
	// Events maps plugin name to the number of cmd_handle_event RPCs sent to it.
	Events map[string]int
}

// RoundTrips is every socket round trip the request cost inside Kong's
// worker: each event sent to a plugin server and each PDK call its
// handlers made, all plugins together.
func (c CallStats) RoundTrips() int {
	n := 0
	for _, v := range c.Total {
		n += v
	}
	for _, v := range c.Events {
		n += v
	}
	return n
}

// Count is the number of calls of method by plugin.
func (c CallStats) Count(plugin, method string) int { return c.ByPlugin[plugin][method] }

type statsStore struct {
	mu    sync.Mutex
	byReq map[string]*CallStats
	order []string
}

// maxKeptRequests bounds the memory held by call statistics.
const maxKeptRequests = 10000

func newStatsStore() *statsStore { return &statsStore{byReq: map[string]*CallStats{}} }

func (s *statsStore) get(rid string) *CallStats {
	st := s.byReq[rid]
	if st == nil {
		st = &CallStats{ByPlugin: map[string]map[string]int{}, Total: map[string]int{}, Events: map[string]int{}}
		s.byReq[rid] = st
		s.order = append(s.order, rid)
		if len(s.order) > maxKeptRequests {
			delete(s.byReq, s.order[0])
			s.order = s.order[1:]
		}
	}
	return st
}

func (s *statsStore) count(rid, plugin, method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.get(rid)
	m := st.ByPlugin[plugin]
	if m == nil {
		m = map[string]int{}
		st.ByPlugin[plugin] = m
	}
	m[method]++
	st.Total[plugin]++
}

func (s *statsStore) event(rid, plugin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(rid).Events[plugin]++
}

func (s *statsStore) snapshot(rid string) CallStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := CallStats{ByPlugin: map[string]map[string]int{}, Total: map[string]int{}, Events: map[string]int{}}
	st := s.byReq[rid]
	if st == nil {
		return out
	}
	for p, m := range st.ByPlugin {
		c := make(map[string]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		out.ByPlugin[p] = c
	}
	for k, v := range st.Total {
		out.Total[k] = v
	}
	for k, v := range st.Events {
		out.Events[k] = v
	}
	return out
}
