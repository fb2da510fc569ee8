// Package figure draws dale's PNG figures with gonum.org/v1/plot: heat maps
// of matrices (HeatMap) and connectivity masks in three colours
// (SignedMask), built on Figure (one plot plus a legend beside it); and the
// training, analysis and behaviour figures, which write their PNG directly
// because they need line and marker legends: Lines / LinesWith (loss and
// accuracy curves), Psychometric (curves sharing one panel) and
// PsychometricPanels (a grid of panels, such as Mante et al. 2013's
// contexts × modalities, with muted panels for the irrelevant evidence),
// Histogram (weight distributions), Spectrum / SpectrumWith (eigenvalues
// with the unit circle), Trials (example trials, a target's unscored
// stretches dotted grey) and Trajectories (principal-component trajectories
// by condition: condition averages with the starts of their periods
// marked, single trials faint). Every figure is written atomically, so a
// crash never leaves half a PNG.
//
// Matrices are drawn the way they are printed: row 0 at the top, column 0
// on the left, one cell per entry. Matrices larger than the drawing area
// are shrunk by averaging the colours of the cells that fall in a pixel, so
// block densities stay visible.
package figure
