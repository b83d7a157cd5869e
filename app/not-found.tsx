import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg p-8 text-center">
      <p className="text-6xl font-bold text-slate-500">404</p>
      <h1 className="mt-2 text-xl font-semibold">Nothing here</h1>
      <Link href="/" className="btn-secondary mt-6">
        Back to masklab
      </Link>
    </main>
  );
}
