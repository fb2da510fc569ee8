package batch

// Concat joins batches of one source into one, trial after trial, padding
// to the longest trial (padding has mask 0). One batch is returned as it
// is.
func Concat(bs []*Batch) (*Batch, error) {
	if len(bs) == 1 {
		return bs[0], nil
	}
	size, steps := 0, 0
	for _, b := range bs {
		size += b.Size
		steps = max(steps, b.Steps)
	}
	out, err := New(size, steps, bs[0].In, bs[0].Out)
	if err != nil {
		return nil, err
	}
	out.Trials = make([]Trial, 0, size)
	row := 0
	for _, b := range bs {
		for i := 0; i < b.Size; i++ {
			for t := 0; t < b.Steps; t++ {
				copy(out.Inputs[out.At(row, t, 0, out.In):][:out.In], b.Inputs[b.At(i, t, 0, b.In):][:b.In])
				copy(out.Targets[out.At(row, t, 0, out.Out):][:out.Out], b.Targets[b.At(i, t, 0, b.Out):][:b.Out])
				copy(out.Mask[out.At(row, t, 0, out.Out):][:out.Out], b.Mask[b.At(i, t, 0, b.Out):][:b.Out])
			}
			if b.Trials != nil {
				out.Trials = append(out.Trials, b.Trials[i])
			} else {
				out.Trials = append(out.Trials, Trial{Steps: b.Steps, Choice: -1})
			}
			row++
		}
	}
	return out, nil
}
