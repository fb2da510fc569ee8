package rnn

import (
	"fmt"
	"os"
	"path/filepath"
)

// Lesioned returns a copy of the model with synapses removed: the copy's
// masks are m's masks (MasksInUse) times keep, elementwise, so a synapse
// whose keep entry is 0 has effective weight 0 and every other synapse
// keeps its weight and sign. A nil layer of keep keeps that layer whole.
// m is not changed. Silencing a neuron is keep 0 on its row of the hidden
// and readout layers (what it sends); removing a projection is keep 0 on
// the (pre, post) entries of the hidden layer.
func (m *Model) Lesioned(keep Masks) (*Model, error) {
	in := m.MasksInUse()
	d := m.Dims()
	shapes := [3][2]int{{d[0], d[1]}, {d[1], d[1]}, {d[1], d[2]}}
	cur := [3][]float64{in.Input, in.Hidden, in.Readout}
	k := [3][]float64{keep.Input, keep.Hidden, keep.Readout}
	for i := range k {
		if k[i] == nil {
			continue
		}
		if len(k[i]) != shapes[i][0]*shapes[i][1] {
			return nil, fmt.Errorf("rnn: lesion: the %s keep mask has %d values, the layer %d×%d", layerNames[i], len(k[i]), shapes[i][0], shapes[i][1])
		}
		for j, x := range k[i] {
			if x != 0 && x != 1 {
				return nil, fmt.Errorf("rnn: lesion: %s keep[%d] = %v is not allowed: keep masks hold 0 (remove) or 1 (keep)", layerNames[i], j, x)
			}
		}
	}
	tmp, err := os.MkdirTemp("", "dale-lesion")
	if err != nil {
		return nil, fmt.Errorf("rnn: lesion: %v", err)
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "model.npz")
	if err := m.Save(path); err != nil {
		return nil, fmt.Errorf("rnn: lesion: %w", err)
	}
	c, _, err := Load(path)
	if err != nil {
		return nil, fmt.Errorf("rnn: lesion: %w", err)
	}
	for i := range c.masks {
		if k[i] == nil {
			continue
		}
		if c.masks[i] == nil {
			c.masks[i] = append([]float64(nil), cur[i]...)
		}
		for j := range c.masks[i] {
			c.masks[i][j] *= k[i][j]
		}
	}
	// Graphs built while loading hold the old masks.
	c.effMu.Lock()
	if c.eff != nil {
		c.eff.vm.Close()
		c.eff = nil
	}
	c.effMu.Unlock()
	c.fwdMu.Lock()
	if c.fwd != nil {
		c.fwd.vm.Close()
		c.fwd = nil
	}
	c.fwdMu.Unlock()
	return c, nil
}
