// zod schemas of what the API answers: the `responses` of the route handlers' apiRoute() options,
// turned into the OpenAPI document's response schemas (lib/http/openapi.ts, "output" side). They
// describe the JSON the lib/ functions' results become (a Date is sent as an ISO string), field by
// field, with enums, required and nullable fields, so that a generated client can trust them:
// e2e/helpers.ts `expectMatchesApi` validates the real server's answers against them, and an
// object with a field that is not listed here fails there (`additionalProperties: false`).
// Schemas with `.meta({ id })` become `components.schemas` entries, shared by the operations.
import { z } from 'zod';
import { CLASSES, LABELS } from '@/lib/classes';
import { ROLES } from '@/lib/auth/role-names';
import { SLICE_DIMS } from '@/lib/training/slices';
import { modelMetaSchema } from '@/lib/inference/meta';
import { WEBHOOK_EVENTS } from '@/lib/webhooks/events';
import { ARCHIVE_SPLIT_NAMES } from '@/lib/export/queue';

/** An instant as JSON: an ISO 8601 timestamp (what a Date becomes). */
export const dateTime = z.string().meta({ format: 'date-time' });
const count = z.number().int().min(0);
const ratio = z.number().min(0).max(1);
const id = z.string();

export const classEnum = z.enum(CLASSES).meta({ id: 'FaceClass', description: 'A class of the model' });
export const labelEnum = z.enum(LABELS).meta({ id: 'Label', description: 'A class, or excluded (not a usable face)' });
const perClass = (value: z.ZodType = count) => z.object(Object.fromEntries(CLASSES.map((c) => [c, value])) as Record<(typeof CLASSES)[number], z.ZodType>);

export const okSchema = z.object({ ok: z.literal(true) }).meta({ id: 'Ok', description: 'Done' });
export const queuedSchema = z
  .object({ jobId: id.meta({ description: 'The background job' }), alreadyQueued: z.boolean().meta({ description: 'One was queued or running already: this is that one' }) })
  .meta({ description: 'A queued background job' });

/** `{ items, nextCursor }`: one page of a list (lib/db/cursor.ts). */
export const pageOf = <T extends z.ZodType>(item: T, extra: z.ZodRawShape = {}) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
    ...extra,
  });

// ---- Faces and photos -----------------------------------------------------------------------

export const boxSchema = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).meta({ id: 'Box', description: 'A box in pixels of the (upright) photo' });
export const suggestionSchema = z
  .object({ class: classEnum, confidence: ratio, runId: id.meta({ description: 'The run whose model suggested it' }) })
  .meta({ id: 'Suggestion', description: "The promoted model's suggestion for an unlabelled face" });

export const faceCardSchema = z
  .object({
    id,
    photoId: id,
    index: count.meta({ description: 'Position in its photo, left to right' }),
    groupId: z.string().nullable().meta({ description: 'Near-duplicate group, if any' }),
    box: boxSchema,
    wholeImage: z.boolean().meta({ description: 'The whole image is the sample (no face was detected)' }),
    label: labelEnum.nullable().meta({ description: 'null: unlabelled (or hidden: you owe it a blind second opinion)' }),
    photo: z.object({ width: z.number().int(), height: z.number().int() }),
    suggestion: suggestionSchema.nullable().meta({ description: 'Only while the face is unlabelled' }),
  })
  .meta({ id: 'FaceCard', description: 'A face as lists show it' });

export const faceSchema = z
  .object({
    id,
    photoId: id,
    index: count,
    box: boxSchema,
    wholeImage: z.boolean(),
    label: labelEnum.nullable(),
    split: z.enum(['train', 'valid', 'test']).nullable().meta({ description: 'The split the last training pinned it to' }),
    suggestion: suggestionSchema.nullable(),
  })
  .meta({ id: 'Face' });

const userRef = z.object({ id, email: z.string(), name: z.string().nullable() }).meta({ id: 'UserRef' });

export const historySchema = z
  .object({
    blind: z.boolean().meta({ description: 'You owe this face a blind second opinion: its history is hidden (empty)' }),
    items: z.array(
      z
        .object({
          id,
          at: dateTime,
          kind: z.enum(['label', 'undo', 'resolve', 'import', 'deleted']).meta({ description: 'label, undo, resolve (an admin decided a disagreement), import (labelled on upload)' }),
          oldLabel: labelEnum.nullable(),
          newLabel: labelEnum.nullable(),
          user: userRef,
        })
        .meta({ id: 'LabelEvent' }),
    ),
    boxes: z
      .array(
        z
          .object({
            id,
            kind: z.enum(['box-added', 'box-moved', 'box-deleted']),
            at: dateTime,
            user: z.object({ name: z.string().nullable(), email: z.string() }),
            oldBox: z.string().nullable().meta({ description: 'The box before, as JSON `{ x, y, w, h }`' }),
            newBox: z.string().nullable().meta({ description: 'The box after, as JSON `{ x, y, w, h }`' }),
            note: z.string().nullable(),
          })
          .meta({ id: 'BoxEvent' }),
      )
      .meta({ description: 'Who added, moved or deleted its box, newest first' }),
  })
  .meta({ description: 'Every label change of the face, newest first (at most 500), and its box history' });

/** A face after its box was drawn or moved by hand (lib/dataset/boxes.ts). */
export const boxResultSchema = z
  .object({
    id,
    photoId: id,
    index: count.meta({ description: 'The crop version' }),
    box: boxSchema.meta({ description: 'The stored crop box (the face box with the crop rule\'s margin, square, inside the photo)' }),
    phash: z.string(),
    groupId: z.string().nullable(),
    split: z.enum(['train', 'valid', 'test']).nullable(),
    label: labelEnum.nullable(),
    image: z.string().meta({ description: "The crop's URL (versioned by its crop number)" }),
    note: z.string().nullable(),
  })
  .meta({ id: 'BoxResult' });

const source = z.enum(['upload', 'import', 'camera']).meta({ description: 'How the photo came in' });

export const photoListItemSchema = z
  .object({ id, originalName: z.string(), width: z.number().int(), height: z.number().int(), source, createdAt: dateTime, faces: count, uploader: userRef })
  .meta({ id: 'PhotoListItem' });

export const photoSchema = z
  .object({
    id,
    originalName: z.string(),
    sha256: z.string(),
    format: z.string().meta({ description: 'jpeg, png, webp, heic…' }),
    bytes: count,
    width: z.number().int(),
    height: z.number().int(),
    source,
    batch: z.string().nullable().meta({ description: 'The import batch (folder or archive), if any' }),
    evalSetId: z.string().nullable().meta({ description: 'The evaluation set it belongs to (never trained on), if any' }),
    uploaderId: id,
    createdAt: dateTime,
    uploader: userRef,
    faces: z.array(
      z.object({
        id,
        index: count,
        x: z.number(),
        y: z.number(),
        w: z.number(),
        h: z.number(),
        score: z.number().nullable().meta({ description: 'Detector score; null for a whole-image sample' }),
        wholeImage: z.boolean(),
        label: labelEnum.nullable(),
        groupId: z.string().nullable(),
      }),
    ),
    near: z.array(z.object({ id, photoId: id, groupId: z.string().nullable() })).meta({ description: 'Faces of other photos in the same near-duplicate groups (at most 200)' }),
  })
  .meta({ id: 'Photo' });

export const ingestResultSchema = z
  .discriminatedUnion('status', [
    z.object({ file: z.string(), status: z.literal('added'), photoId: id, faces: count, wholeImage: z.boolean(), grouped: count }),
    z.object({ file: z.string(), status: z.literal('duplicate'), photoId: id, reason: z.string() }),
    z.object({ file: z.string(), status: z.literal('rejected'), reason: z.string() }),
  ])
  .meta({ id: 'IngestResult', description: 'What happened to one file' });

export const importSchema = z
  .object({
    id,
    name: z.string(),
    label: labelEnum.nullable(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    error: z.string().nullable(),
    createdAt: dateTime,
    finishedAt: dateTime.nullable(),
    progress: z.object({
      done: count,
      total: count,
      added: count,
      duplicate: count,
      rejected: count,
      faces: count,
      results: z.array(ingestResultSchema).meta({ description: 'Per-entry results (empty in lists)' }),
      omitted: count.meta({ description: 'Results not kept' }),
    }),
  })
  .meta({ id: 'Import' });

// ---- Labels ---------------------------------------------------------------------------------

const labelChange = z
  .object({
    faceId: id,
    oldLabel: labelEnum.nullable(),
    newLabel: labelEnum.nullable(),
    batch: z.object({ id, faces: count }).optional().meta({ description: 'An undo of a bulk action: its batch and how many faces got their previous label back' }),
  })
  .meta({ id: 'LabelChange' });

export const assignResultSchema = z.object({
  changed: z.array(labelChange),
  unchanged: count.meta({ description: 'Faces that already carried the label' }),
  batchId: z.string().nullable().meta({ description: 'The bulk action (several faces), undone together' }),
});

export const undoSchema = z.object({ undone: labelChange.nullable(), face: faceCardSchema.nullable() });

export const acceptSchema = z.object({
  faces: count.meta({ description: 'Unlabelled faces of the selection with a suggestion' }),
  perClass: perClass(),
  accepted: count.meta({ description: 'Faces labelled (0 on a dry run)' }),
  batchId: z.string().nullable(),
});

// ---- Reviews and label errors ---------------------------------------------------------------

export const nextReviewSchema = z.object({
  review: z.object({ reviewId: id, face: faceCardSchema.meta({ description: 'Blind: its label is null' }) }).nullable().meta({ description: 'null: nothing to review' }),
  waiting: count.meta({ description: 'Reviews you may still give, this one included' }),
});

const reviewStatus = z.enum(['pending', 'agreed', 'disagreed', 'resolved']);
export const reviewCountsSchema = z.object(Object.fromEntries(reviewStatus.options.map((s) => [s, count])) as Record<z.infer<typeof reviewStatus>, typeof count>).meta({ id: 'ReviewCounts' });

export const agreementSchema = z
  .object({ userId: id, email: z.string(), name: z.string().nullable(), reviewed: count, agreed: count, rate: ratio })
  .meta({ id: 'Agreement', description: "A first labeller's labels with a second opinion, and the share agreed with" });

export const disagreementsSchema = z.object({
  items: z.array(
    z.object({
      reviewId: id,
      face: faceCardSchema,
      firstLabel: labelEnum,
      firstUser: z.string().nullable(),
      secondLabel: labelEnum,
      reviewer: z.string().nullable(),
      answeredAt: dateTime.nullable(),
    }),
  ),
  total: count,
  counts: reviewCountsSchema,
});

export const labelErrorsSchema = pageOf(
  z
    .object({
      faceId: id,
      photoId: id,
      file: z.string(),
      label: classEnum.meta({ description: 'Its label' }),
      suggested: classEnum.meta({ description: 'What cross-validated models say instead' }),
      score: ratio.meta({ description: 'How suspicious (higher: more)' }),
      probs: z.array(ratio).meta({ description: 'Out-of-fold probabilities, in FaceClass order' }),
      computedAt: dateTime,
    })
    .meta({ id: 'LabelError' }),
  { total: count.meta({ description: 'Open suspects matching' }), kept: count.meta({ description: 'Labels marked right' }) },
);

// ---- Runs and models ------------------------------------------------------------------------

const jobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
const prf = z.object({ precision: ratio, recall: ratio, f1: ratio });

export const runSummarySchema = z
  .object({
    id,
    number: z.number().int().min(1).meta({ description: '1 for the first run ever made, by creation order' }),
    title: z.string().meta({ description: 'The run as people call it: "Run 7 · 7 Dec"' }),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    createdAt: dateTime,
    finishedAt: dateTime.nullable(),
    createdBy: z.string().nullable().meta({ description: 'Name or e-mail; null for the CLI' }),
    promoted: z.boolean(),
    accuracy: ratio.nullable(),
    macroF1: ratio.nullable(),
    maskAccuracy: ratio.nullable(),
    ageAccuracy: ratio.nullable(),
    testFaces: count.nullable(),
  })
  .meta({ id: 'RunSummary' });

const epochSchema = z
  .object({ epoch: z.number().int(), loss: z.number(), accuracy: ratio, valLoss: z.number().nullable(), valAccuracy: ratio.nullable() })
  .meta({ id: 'Epoch', description: 'One epoch of training (the curves)' });

const sliceStats = z.object({
  value: z.string(),
  n: count,
  accuracy: ratio,
  recall: z.array(ratio.nullable()).meta({ description: 'Per class of the label space (null: none in the slice)' }),
  confusion: z.array(z.array(count)),
  restAccuracy: ratio.nullable(),
  faceIds: z.array(id),
});
export const slicesSchema = z
  .object({
    classes: z.array(z.string()).meta({ description: 'The label space: the 4 classes, or one attribute (old/young, mask/nomask)' }),
    minN: count,
    dims: z.array(z.object({ dim: z.enum(SLICE_DIMS), values: z.array(sliceStats) })),
    worst: z
      .object({ dim: z.enum(SLICE_DIMS), value: z.string(), n: count, accuracy: ratio, restAccuracy: ratio.nullable(), gap: z.number().nullable(), warning: z.boolean() })
      .nullable(),
  })
  .meta({ id: 'Slices', description: 'Accuracy per slice of the test faces (apparent gender, age×gender, source, batch, uploader, size, crop)' });

const evalSetMetrics = z
  .object({
    n: count,
    kind: z.enum(['class', 'age', 'mask']),
    accuracy: ratio,
    classAccuracy: ratio.nullable(),
    maskAccuracy: ratio.nullable(),
    ageAccuracy: ratio.nullable(),
    counts: z.object({ class: count, age: count, mask: count }),
    slices: slicesSchema,
    predictions: z.array(z.object({ faceId: id, label: z.string(), predicted: classEnum, confidence: ratio, correct: z.boolean() })),
  })
  .meta({ id: 'EvalSetMetrics' });

const curveScore = z.object({ k: count, n: count, accuracy: ratio, low: ratio, high: ratio }).meta({ description: 'Correct of scored faces, with the 95% Wilson interval' });
const learningCurveSchema = z
  .object({
    fractions: z.array(ratio).meta({ description: 'Shares of the training split the head was retrained on (nested, stratified)' }),
    trainFaces: z.array(count).meta({ description: 'Training faces at each fraction' }),
    classes: count.meta({ description: 'Classes in the training split (the estimate is per class)' }),
    seed: z.number().int(),
    model: z.literal('acc = 1 - b*n^-c'),
    series: z.array(
      z.object({
        key: z.string().meta({ description: '`test`, or `evalSet:<name>`' }),
        label: z.string(),
        metric: z.string(),
        points: z.array(curveScore).meta({ description: 'One score per fraction' }),
        fit: z.object({ b: z.number(), c: z.number(), cLow: z.number() }).nullable(),
        estimate: z.object({
          verdict: z.enum(['estimate', 'flat', 'unknown', 'ceiling']),
          morePerClass: count.nullable().meta({ description: 'About how many more labelled faces per class would add two points' }),
          text: z.string(),
        }),
      }),
    ),
  })
  .meta({ id: 'LearningCurve', description: 'The head retrained on 25, 50, 75 and 100% of the training split, scored on the test split and each evaluation set' });

export const runMetricsSchema = z
  .object({
    n: count.meta({ description: 'Test faces' }),
    accuracy: ratio,
    perClass: perClass(prf.extend({ support: count })),
    macro: prf,
    weighted: prf,
    confusion: z.array(z.array(count)).meta({ description: 'confusion[true][predicted], in FaceClass order' }),
    maskAccuracy: ratio,
    ageAccuracy: ratio,
    misclassified: z.array(z.object({ faceId: id, trueLabel: classEnum, predicted: classEnum, confidence: ratio })),
    predictions: z.array(z.object({ faceId: id, t: z.number().int(), p: z.number().int(), confidence: ratio })).optional().meta({ description: 'Every test face: true and predicted class index' }),
    comparison: z.object({
      promotedRunId: z.string().nullable(),
      promotedMacroF1: ratio.nullable(),
      promoted: z.boolean(),
      reason: z.string(),
      evalSets: z.array(z.object({ name: z.string(), accuracy: ratio, promotedAccuracy: ratio })).optional(),
    }),
    slices: slicesSchema.optional(),
    evalSets: z.record(z.string(), evalSetMetrics).optional().meta({ description: 'Scores on each evaluation set, by name' }),
    learningCurve: learningCurveSchema.optional().meta({ description: 'Absent for runs made before learning curves were measured' }),
  })
  .meta({ id: 'RunMetrics', description: "A run's test metrics" });

export const runDetailSchema = z.object({
  run: runSummarySchema.extend({ seed: z.number().int(), backbone: z.string(), config: z.record(z.string(), z.unknown()).meta({ description: 'The training recipe and its outcome (bestEpoch…)' }) }),
  history: z.array(epochSchema),
  metrics: runMetricsSchema.nullable().meta({ description: 'null: the run has no test metrics (failed, or still running)' }),
  promoted: z.object({ id, title: z.string(), metrics: runMetricsSchema.nullable() }).nullable().meta({ description: 'The promoted run to compare with (null when this one is promoted, or none is)' }),
});

const trainProgress = z
  .object({
    step: z.enum(['snapshot', 'split', 'features', 'train', 'evaluate', 'save', 'promote', 'done']),
    runId: z.string().optional(),
    message: z.string().optional(),
    features: z.object({ done: count, total: count }).optional(),
    epoch: z.number().int().optional(),
    maxEpochs: z.number().int().optional(),
    history: z.array(epochSchema).optional(),
  })
  .meta({ id: 'TrainProgress' });

export const trainingStatusSchema = z.object({
  job: z
    .object({
      id,
      status: jobStatus,
      cancelRequested: z.boolean(),
      attempts: count,
      createdAt: dateTime,
      progress: trainProgress.nullable(),
      error: z.string().nullable(),
      logs: z.array(z.object({ id: z.number().int(), at: dateTime, level: z.string(), message: z.string() })),
    })
    .nullable()
    .meta({ description: 'The latest train job; null when there never was one' }),
  runs: z.array(runSummarySchema),
});

export const promotedModelSchema = z.object({
  model: z
    .object({
      runId: id,
      title: z.string().meta({ description: 'The run as people call it: "Run 7 · 7 Dec"' }),
      meta: modelMetaSchema.meta({ description: "The model's meta.json" }),
      headUrl: z.string(),
      promotedAt: dateTime.nullable(),
      compatible: z.boolean().meta({ description: 'This server can compute the features the head was trained on' }),
      extraFiles: z.record(z.string(), z.string()).nullable().meta({ description: "The accurate backbone's extra model URLs; null for fast models" }),
    })
    .nullable(),
  backboneId: z.string(),
  files: z.object({ detector: z.string(), backbone: z.string(), wasm: z.string() }),
});

export const predictionSchema = z.object({
  model: z.object({ runId: id, classes: z.array(classEnum) }),
  width: z.number().int(),
  height: z.number().int(),
  faces: z.array(
    z.object({
      box: boxSchema,
      wholeImage: z.boolean(),
      score: z.number().nullable(),
      probs: perClass(ratio),
      label: classEnum,
      confidence: ratio,
    }),
  ),
});

export const captureSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('added'),
    photoId: id,
    faces: z.array(z.object({ id, box: boxSchema, wholeImage: z.boolean(), suggestion: z.object({ label: classEnum, confidence: ratio, runId: id }).nullable() })),
    note: z.string().optional(),
  }),
  z.object({ status: z.literal('duplicate'), photoId: id, reason: z.string() }),
]);

// ---- Dashboard ------------------------------------------------------------------------------

export const dashboardSchema = z.object({
  counts: z.object({ perClass: perClass(), excluded: count, unlabelled: count, labelled: count, total: count }).meta({ description: 'Faces per label (evaluation sets left out)' }),
  targets: perClass(z.number().int().min(1)),
  imbalance: z.object({ ratio: z.number().nullable().meta({ description: 'Largest / smallest class; null when the smallest is empty' }), largest: classEnum, smallest: classEnum, warn: z.boolean() }),
  collectNext: z.array(z.object({ cls: classEnum, count, target: count, missing: count, progress: z.number().min(0) })),
  labelers: z.array(z.object({ userId: id, email: z.string(), name: z.string().nullable(), perClass: perClass(), excluded: count, total: count })),
  days: z.array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD (UTC)' }), total: count, ...perClass().shape, excluded: count })).meta({ description: 'Labelling actions per day, the last 30 days' }),
  splits: z.array(z.object({ split: z.string(), perClass: perClass(), excluded: count, total: count })),
  duplicates: z.object({ groups: count, faces: count }),
  agreement: z.array(agreementSchema),
  reviews: reviewCountsSchema,
  pace: z
    .array(
      z.object({
        userId: id,
        labels: count,
        activeHours: count,
        perHour: z.number().nullable(),
        suggested: count,
        accepted: count,
        acceptRate: ratio.nullable(),
      }),
    )
    .meta({ description: 'Per labeller: labels per active hour (last 7 days) and the share of suggestions accepted' }),
  confounds: z.object({
    rows: z.array(
      z.object({
        cls: classEnum,
        total: count,
        female: count,
        male: count,
        unknown: count,
        sources: z.record(z.string(), count),
        batches: z.record(z.string(), count),
      }),
    ),
    warnings: z.array(
      z.object({ kind: z.enum(['gender', 'source', 'batch']), factor: z.enum(['age', 'mask']), a: classEnum, b: classEnum, value: z.string(), shareA: ratio, shareB: ratio, message: z.string() }),
    ),
    unknown: count,
    countedAt: dateTime.meta({
      description: 'When the table was counted: from 20,000 labelled faces the last count is shown and redone in the background when older than 30 s',
    }),
  }),
  apparentPending: count.meta({ description: 'Faces whose apparent gender is not computed yet' }),
  openLabelErrors: count.meta({ description: 'Open suspected label errors (score at least the suspect threshold)' }),
});

// ---- Exports --------------------------------------------------------------------------------

export const exportSummarySchema = z
  .object({
    id,
    status: jobStatus,
    // The options as stored (after defaults): every field present. The request's schema is exportOptionsSchema.
    options: z
      .object({ content: z.enum(['crops', 'photos']), classes: z.array(z.enum(CLASSES)), split: z.enum(['all', ...ARCHIVE_SPLIT_NAMES]) })
      .nullable(),
    progress: z.object({ step: z.enum(['faces', 'model', 'done']), done: count, total: count }).nullable(),
    result: z.object({ faces: count, bytes: count, model: z.string().nullable(), modelNote: z.string().optional() }).nullable(),
    error: z.string().nullable(),
    createdAt: dateTime,
    finishedAt: dateTime.nullable(),
    ready: z.boolean().meta({ description: 'The archive can be downloaded (`GET /api/export?job=<id>`)' }),
  })
  .meta({ id: 'ExportSummary' });

// ---- Accounts -------------------------------------------------------------------------------

export const roleEnum = z.enum(ROLES).meta({ id: 'Role', description: 'viewer < labeler < admin' });
export const actorSchema = z.object({ id, email: z.string(), name: z.string().nullable(), role: roleEnum }).meta({ id: 'Actor' });
export const userSchema = z.object({ id, email: z.string(), name: z.string().nullable(), role: roleEnum, disabled: z.boolean(), createdAt: dateTime }).meta({ id: 'User' });
export const sessionSchema = z
  .object({ id, createdAt: dateTime, lastSeenAt: dateTime, userAgent: z.string().nullable(), address: z.string().nullable(), current: z.boolean().meta({ description: 'The session this request came with' }) })
  .meta({ id: 'Session' });
export const tokenSchema = z
  .object({
    id,
    name: z.string(),
    createdAt: dateTime,
    lastUsedAt: dateTime.nullable(),
    expiresAt: dateTime.nullable().meta({ description: 'null: never expires' }),
    revoked: z.boolean().meta({ description: 'Made before your last password change: it no longer works' }),
  })
  .meta({ id: 'ApiToken' });
export const newTokenSchema = z.object({
  id,
  token: z.string().meta({ description: 'The token (`mlk_…`): shown only here, store it now' }),
  expiresAt: dateTime.nullable(),
});

// ---- Webhooks -------------------------------------------------------------------------------

export const webhookSchema = z
  .object({
    id: z.string().nullable().meta({ description: 'null: the hook from MASKLAB_WEBHOOK_URL (set in the environment, not editable here)' }),
    url: z.string(),
    events: z.union([z.array(z.enum(WEBHOOK_EVENTS)), z.literal('all')]),
    enabled: z.boolean(),
    signed: z.boolean(),
    createdAt: dateTime.nullable(),
  })
  .meta({ id: 'Webhook' });

export const deliverySchema = z
  .object({
    id,
    webhookId: z.string().nullable(),
    url: z.string().meta({ description: 'Where it was last sent (before its first attempt: where it goes)' }),
    event: z.string(),
    status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled']),
    attempts: count,
    maxAttempts: count,
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    lastDurationMs: z.number().nullable(),
    nextAttemptAt: dateTime.nullable(),
    createdAt: dateTime,
    finishedAt: dateTime.nullable(),
    tries: z.array(z.object({ attempt: z.number().int(), url: z.string().meta({ description: 'Where this attempt went' }), at: dateTime, statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number(), nextRetryAt: dateTime.nullable() })),
  })
  .meta({ id: 'WebhookDelivery' });

export const secretSchema = z.object({ secret: z.string().meta({ description: 'The signing secret (shown only here)' }) });
