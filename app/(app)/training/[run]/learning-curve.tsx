'use client';

// The run's learning curve (lib/training/learning-curve.ts): accuracy of the same recipe on 25/50/75/100% of the
// training split, on the test split and each evaluation set, with 95% Wilson intervals, the fitted curve
// acc = 1 − b·n^(−c) drawn on to twice the training faces, and what it says about collecting more labels.
import { CartesianGrid, ComposedChart, ErrorBar, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { CurveSeries, LearningCurve } from '@/lib/training/learning-curve';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function LearningCurveReport({ curve }: { curve: LearningCurve }) {
  return (
    <div className="space-y-4" data-testid="learning-curve">
      <p className="text-sm text-slate-600">
        {`The same recipe and seed retrained on ${curve.fractions.map((f) => `${Math.round(100 * f)}%`).join(', ')} of the training split (${curve.trainFaces.join(', ')} faces; nested, every class in proportion). Bars: 95% Wilson intervals. Line: the fitted curve accuracy = 1 − b·n`}
        <sup>−c</sup>, which assumes no ceiling below 100%, so the estimates are lower bounds on the faces needed.
      </p>
      <div className="grid gap-4 md:grid-cols-2">
        {curve.series.map((s) => (
          <SeriesChart key={s.key} series={s} trainFaces={curve.trainFaces} />
        ))}
      </div>
    </div>
  );
}

function SeriesChart({ series, trainFaces }: { series: CurveSeries; trainFaces: number[] }) {
  const measured = series.points.map((p, i) => ({ n: trainFaces[i], measured: 100 * p.accuracy, err: [100 * (p.accuracy - p.low), 100 * (p.high - p.accuracy)] }));
  const last = trainFaces.at(-1) ?? 1;
  const fitted = series.fit
    ? Array.from({ length: 25 }, (_, i) => {
        const n = Math.max(1, Math.round(trainFaces[0] / 2 + ((2 * last - trainFaces[0] / 2) * i) / 24));
        return { n, fitted: 100 * Math.max(0, 1 - series.fit!.b * n ** -series.fit!.c) };
      })
    : [];
  const lows = series.points.map((p) => 100 * p.low);
  const bottom = Math.max(0, Math.floor((Math.min(...lows, ...fitted.map((f) => f.fitted)) - 2) / 5) * 5);
  return (
    <figure data-testid={`learning-curve-${series.key}`}>
      <figcaption className="mb-1 text-sm font-medium">{series.label}</figcaption>
      <div className="h-56">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart margin={{ left: 0, right: 8, top: 4, bottom: 4 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" dataKey="n" domain={[0, 'dataMax']} name="training faces" />
            <YAxis width={40} domain={[bottom, 100]} unit="%" />
            <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)}%` : String(v))} />
            <Legend />
            <Line data={fitted} dataKey="fitted" name="fitted" stroke="#94a3b8" dot={false} isAnimationActive={false} />
            <Scatter data={measured} dataKey="measured" name="measured" fill="#4f46e5" isAnimationActive={false}>
              <ErrorBar dataKey="err" width={4} strokeWidth={1.5} stroke="#4f46e5" direction="y" />
            </Scatter>
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <p className="mt-1 text-sm" data-testid={`learning-curve-estimate-${series.key}`}>
        {`Now ${pct(series.points.at(-1)?.accuracy ?? 0)} (${pct(series.points.at(-1)?.low ?? 0)}–${pct(series.points.at(-1)?.high ?? 0)}, ${series.points.at(-1)?.n ?? 0} faces): `}
        <strong>{series.estimate.text}</strong>.
      </p>
    </figure>
  );
}
