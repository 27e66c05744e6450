import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/http';
import { DeliverySignals } from '../common/delivery-signals';
import { DeadLettersRepository, type DeadLetterView } from './dead-letters.repository';

@Injectable()
export class DeadLettersService {
  constructor(
    private readonly deadLetters: DeadLettersRepository,
    private readonly signals: DeliverySignals,
  ) {}

  list(query: { kind?: 'delivery' | 'ingest'; open?: boolean; after?: string; limit: number }): Promise<{ deadLetters: DeadLetterView[]; next?: string }> {
    return this.deadLetters.list(query);
  }

  async retry(id: string): Promise<{ id: string; status: 'retried' | 'superseded' }> {
    const result = await this.deadLetters.retry(id);
    switch (result) {
      case 'not_found':
        throw new DomainError('not_found', `no dead letter ${id}`);
      case 'already_retried':
        throw new DomainError('conflict', `dead letter ${id} was already retried`);
      case 'not_retryable':
        throw new DomainError('conflict', `dead letter ${id} is a record that failed its contract; publish a corrected score instead`);
      case 'retried':
        this.signals.scoresDue();
        return { id, status: 'retried' };
      case 'superseded':
        return { id, status: 'superseded' };
    }
  }
}
