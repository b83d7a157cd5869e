'use client';
// Charts (recharts): labelled faces per class against target, and labelling per day.
import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { CLASS_COLORS, CLASS_NAMES, CLASSES, type FaceClass } from '@/lib/classes';
import type { DayRow } from '@/lib/dataset/balance';

export function ClassChart({ perClass, targets }: { perClass: Record<FaceClass, number>; targets: Record<FaceClass, number> }) {
  const data = CLASSES.map((c) => ({ name: CLASS_NAMES[c], labelled: perClass[c], target: targets[c] }));
  return (
    <div className="h-64" role="img" aria-label={`Labelled faces per class: ${data.map((d) => `${d.name} ${d.labelled} of ${d.target}`).join(', ')}`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip />
          <Legend />
          <Bar dataKey="labelled" name="Labelled" fill="#4f46e5">
            {CLASSES.map((c) => (
              <Cell key={c} fill={CLASS_COLORS[c]} />
            ))}
          </Bar>
          <Bar dataKey="target" name="Target" fill="#cbd5e1" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function DayChart({ days }: { days: DayRow[] }) {
  const data = days.map((d) => ({ ...d, day: d.day.slice(5) }));
  const total = days.reduce((s, d) => s + d.total, 0);
  return (
    <div className="h-64" role="img" aria-label={`Labels per day over the last ${days.length} days: ${total} in all`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip />
          <Legend />
          {CLASSES.map((c) => (
            <Bar key={c} dataKey={c} name={CLASS_NAMES[c]} stackId="day" fill={CLASS_COLORS[c]} />
          ))}
          <Bar dataKey="excluded" name={CLASS_NAMES.excluded} stackId="day" fill={CLASS_COLORS.excluded} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
