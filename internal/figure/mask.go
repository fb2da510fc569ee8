package figure

import "image/color"

// Colours of SignedMask.
var (
	ExcitatoryColor = color.RGBA{0xd6, 0x27, 0x28, 0xff} // +1: red
	InhibitoryColor = color.RGBA{0x1f, 0x5f, 0xd0, 0xff} // −1: blue
	NoneColor       = color.RGBA{0xee, 0xee, 0xee, 0xff} // 0: light grey
)

// MaskOptions says how SignedMask draws a connectivity mask.
type MaskOptions struct {
	Title string
	// XLabel and YLabel default to "post" and "pre" (masks are (pre,
	// post): rows are the sending neurons).
	XLabel, YLabel string
	// RowLines and ColLines are area boundaries, as in HeatMapOptions.
	RowLines, ColLines []int
	// Unsigned labels +1 as "synapse" rather than "excitatory" and leaves
	// −1 out of the legend.
	Unsigned bool
}

// SignedMask draws a mask of −1, 0 and +1 in three colours: excitatory
// (+1) red, inhibitory (−1) blue, no synapse (0) light grey; other values
// are drawn grey.
func SignedMask(g Grid, o MaskOptions) (*Figure, error) {
	if o.XLabel == "" {
		o.XLabel = "post"
	}
	if o.YLabel == "" {
		o.YLabel = "pre"
	}
	legend := []LegendEntry{{"excitatory (+1)", ExcitatoryColor}, {"inhibitory (−1)", InhibitoryColor}, {"none (0)", NoneColor}}
	if o.Unsigned {
		legend = []LegendEntry{{"synapse (1)", ExcitatoryColor}, {"none (0)", NoneColor}}
	}
	return HeatMap(g, HeatMapOptions{
		Title: o.Title, XLabel: o.XLabel, YLabel: o.YLabel,
		Color: func(v float64) color.Color {
			switch v {
			case 1:
				return ExcitatoryColor
			case -1:
				return InhibitoryColor
			case 0:
				return NoneColor
			}
			return NaNColor
		},
		RowLines: o.RowLines, ColLines: o.ColLines,
		Legend: legend,
	})
}
