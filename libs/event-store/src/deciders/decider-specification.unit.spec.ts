import { AssertionError } from 'node:assert';
import { HoldfastError } from '@holdfast/contracts';
import { DeciderSpecification } from './decider-specification';
import { ticketDecider, type TicketEvent } from './__tests__/ticket.decider';

const opened: TicketEvent = { type: 'TicketOpened', data: { ticketId: 't1', title: 'Restore fails', openedAt: '2026-01-01T00:00:00.000Z' } };
const closed: TicketEvent = { type: 'TicketClosed', data: { closedAt: '2026-01-02T00:00:00.000Z' } };
const spec = DeciderSpecification.for(ticketDecider);

describe('DeciderSpecification with the example ticket decider', () => {
  it('opens a new ticket', () => {
    spec
      .given([])
      .when({ type: 'OpenTicket', data: opened.data as never })
      .then([opened]);
  });

  it('rejects opening twice with a typed error', () => {
    spec.given([opened]).when({ type: 'OpenTicket', data: opened.data as never }).thenThrows(HoldfastError);
    spec.given([opened]).when({ type: 'OpenTicket', data: opened.data as never }).thenThrows({ code: 'already_exists' });
    spec
      .given([opened])
      .when({ type: 'OpenTicket', data: opened.data as never })
      .thenThrows((e) => e instanceof HoldfastError && /already/.test(e.message));
  });

  it('treats closing a closed ticket as nothing happened', () => {
    spec.given([opened, closed]).when({ type: 'CloseTicket', data: { closedAt: 'x' } }).thenNothingHappened();
  });

  it('folds given and new events into the resulting state', () => {
    spec
      .given([opened, { type: 'TicketCommented', data: { text: 'a' } }])
      .when({ type: 'CommentOnTicket', data: { text: 'b' } })
      .thenStateIs({ status: 'open', ticketId: 't1', comments: 2 });
  });

  describe('fails the test when the decider misbehaves', () => {
    it('when other events are produced', () => {
      expect(() =>
        spec.given([]).when({ type: 'OpenTicket', data: opened.data as never }).then([closed]),
      ).toThrow(AssertionError);
    });

    it('when an error was expected but events were produced', () => {
      expect(() => spec.given([]).when({ type: 'OpenTicket', data: opened.data as never }).thenThrows()).toThrow(
        /expected to throw but produced 1 event/,
      );
    });

    it('when the error does not match', () => {
      expect(() =>
        spec.given([]).when({ type: 'CommentOnTicket', data: { text: 'x' } }).thenThrows({ code: 'not_found' }),
      ).toThrow(/unexpected error: HoldfastError \[conflict\]/);
      expect(() =>
        spec.given([]).when({ type: 'CommentOnTicket', data: { text: 'x' } }).thenThrows(RangeError),
      ).toThrow(AssertionError);
      expect(() =>
        spec.given([]).when({ type: 'CommentOnTicket', data: { text: 'x' } }).thenThrows({ message: /closed/ }),
      ).toThrow(AssertionError);
    });

    it('when the expected state differs', () => {
      expect(() =>
        spec.given([opened]).when({ type: 'CloseTicket', data: { closedAt: 'x' } }).thenStateIs({ status: 'open', ticketId: 't1', comments: 0 }),
      ).toThrow(/resulting state differs/);
    });
  });
});
