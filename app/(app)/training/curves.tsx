'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export type Epoch = { epoch: number; loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null };

type Point = Epoch;

/** Loss and accuracy per epoch, training and validation. */
export function Curves({ history, bestEpoch }: { history: Epoch[]; bestEpoch?: number }) {
  if (history.length === 0) return <p className="text-sm text-slate-500">No epochs yet.</p>;
  const data = history.map((h) => ({ ...h, accuracy: h.accuracy * 100, valAccuracy: h.valAccuracy === null ? null : h.valAccuracy * 100 }));
  return (
    <div className="grid gap-4 md:grid-cols-2" data-testid="curves">
      <Chart title={`Loss${bestEpoch ? ` (best epoch ${bestEpoch})` : ''}`} data={data} train="loss" val="valLoss" digits={3} />
      <Chart title="Accuracy (%)" data={data} train="accuracy" val="valAccuracy" digits={1} domain={[0, 100]} />
    </div>
  );
}

function Chart({ title, data, train, val, digits, domain }: { title: string; data: Point[]; train: keyof Point; val: keyof Point; digits: number; domain?: [number, number] }) {
  return (
    <figure>
      <figcaption className="mb-1 text-sm font-medium">{title}</figcaption>
      <div className="h-56">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ left: 0, right: 8, top: 4, bottom: 4 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epoch" />
            <YAxis width={40} domain={domain} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(digits) : String(v))} />
            <Legend />
            <Line type="monotone" dataKey={train} name="train" stroke="#4f46e5" dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey={val} name="validation" stroke="#c2410c" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
