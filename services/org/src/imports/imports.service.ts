import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import {
  ErrorCode,
  ImportJobSchema,
  PrincipalSchema,
  type ImportJob,
  type Principal,
} from '@linli/contracts';
import { RpcError, ServiceRuntime, downloadUpload, uploadsBucket } from '@linli/messaging';
import { isUuid, newId } from '@linli/persistence';
import { PiiCipher } from '@linli/privacy';
import { DataSource } from 'typeorm';
import { AccessService } from '../access/access.service.js';
import { PII_CIPHER } from '../households/households.service.js';
import { importHouseholds } from './households.import.js';

interface JobRow {
  id: string;
  status: string;
  file_name: string;
  total_rows: number;
  committed_rows: number;
  imported: number;
  skipped: number;
  error_count: number;
  errors: Array<{ line: number; field: string; reason: string }>;
  created_by: string | null;
  upload_name: string | null;
}

const notFound = () => new RpcError(ErrorCode.NOT_FOUND, 'IMPORT_JOB_NOT_FOUND', 'No such import job.');

/**
 * Bulk imports started over HTTP: the gateway puts the file in the UPLOADS object store and starts a job; a
 * worker in this service runs the jobs one at a time with the starter's scope (communities outside it are
 * "unknown"), and picks up queued or interrupted jobs again after a restart.
 */
@Injectable()
export class ImportsService implements OnApplicationBootstrap, OnModuleDestroy {
  private queue: Promise<void> = Promise.resolve();
  private readonly stop = new AbortController();

  constructor(
    private readonly dataSource: DataSource,
    private readonly runtime: ServiceRuntime,
    private readonly access: AccessService,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  onApplicationBootstrap(): void {
    void this.dataSource
      .query(
        `SELECT id FROM import_jobs WHERE status IN ('queued','validating','importing') AND upload_name IS NOT NULL ORDER BY created_at`,
      )
      .then((rows: Array<{ id: string }>) => rows.forEach((r) => this.enqueue(r.id)))
      .catch((e) => this.runtime.logger.error({ err: e }, 'could not resume import jobs'));
  }

  /** Shutdown: the job in hand stops after its current batch (and resumes at the next start). */
  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await this.queue;
  }

  private toJob(r: JobRow): ImportJob {
    return create(ImportJobSchema, {
      id: r.id,
      status: r.status,
      fileName: r.file_name,
      totalRows: r.total_rows,
      committedRows: r.committed_rows,
      imported: r.imported,
      skipped: r.skipped,
      errorCount: r.error_count,
      errors: r.errors,
    });
  }

  async start(uploadName: string, fileName: string, principal: Principal | undefined): Promise<ImportJob> {
    if (!principal?.subject) throw notFound();
    const ext = extname(fileName).toLowerCase();
    const violations = [];
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(uploadName))
      violations.push({ field: 'upload_name', description: 'is not an upload name' });
    if (!['.csv', '.xlsx'].includes(ext) || fileName.length > 200) {
      violations.push({ field: 'file_name', description: 'must end in .csv or .xlsx' });
    }
    if (violations.length) throw RpcError.invalidArgument(violations);
    const bucket = await uploadsBucket(this.runtime.nc, this.runtime.options.isolation?.streamSuffix);
    if (!(await bucket.info(uploadName))) {
      throw new RpcError(
        ErrorCode.FAILED_PRECONDITION,
        'UPLOAD_NOT_FOUND',
        'The uploaded file is not there (expired?).',
      );
    }
    const id = newId();
    await this.dataSource.query(
      `INSERT INTO import_jobs (id, kind, file_name, file_sha256, status, created_by, upload_name)
       VALUES ($1, 'households', $2, '', 'queued', $3, $4)`,
      [id, fileName, principal.subject, uploadName],
    );
    this.enqueue(id);
    return this.get(id, principal);
  }

  async get(id: string, principal: Principal | undefined): Promise<ImportJob> {
    if (!isUuid(id)) throw RpcError.invalidArgument([{ field: 'id', description: 'must be a UUID' }]);
    const [row]: JobRow[] = await this.dataSource.query(`SELECT * FROM import_jobs WHERE id = $1`, [id]);
    // A job is its starter's: nobody else learns it exists.
    if (!row || !principal?.subject || row.created_by !== principal.subject) throw notFound();
    return this.toJob(row);
  }

  private enqueue(id: string): void {
    this.queue = this.queue.then(() => (this.stop.signal.aborted ? undefined : this.run(id)));
  }

  private async run(id: string): Promise<void> {
    const [job]: JobRow[] = await this.dataSource.query(`SELECT * FROM import_jobs WHERE id = $1`, [id]);
    if (!job?.upload_name || !job.created_by) return;
    const dir = await mkdtemp(join(tmpdir(), 'linli-import-'));
    const file = join(dir, `upload${extname(job.file_name).toLowerCase()}`);
    const principal = create(PrincipalSchema, { subject: job.created_by });
    try {
      const bucket = await uploadsBucket(this.runtime.nc, this.runtime.options.isolation?.streamSuffix);
      if (!(await downloadUpload(bucket, job.upload_name, file))) {
        await this.dataSource.query(
          `UPDATE import_jobs SET status = 'failed', errors = $2, error_count = 1, updated_at = now() WHERE id = $1`,
          [
            id,
            JSON.stringify([
              { line: 0, field: '(file)', reason: 'the upload expired before it was imported' },
            ]),
          ],
        );
        return;
      }
      await importHouseholds(this.dataSource, this.cipher, {
        file,
        jobId: id,
        actor: job.created_by,
        logger: this.runtime.logger,
        mayWrite: (path) => this.access.may(principal, 'org.household.write', path),
        signal: this.stop.signal,
      });
      this.runtime.relay.kick();
    } catch (e) {
      this.runtime.logger.error({ err: e, jobId: id }, 'import job failed; it resumes when started again');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
