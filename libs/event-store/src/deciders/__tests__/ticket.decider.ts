import { HoldfastError } from '@holdfast/contracts';
import type { Decider } from '../decider';

// A small example decider used only by the tests of this library.

export type TicketCommand =
  | { type: 'OpenTicket'; data: { ticketId: string; title: string; openedAt: string } }
  | { type: 'CommentOnTicket'; data: { text: string } }
  | { type: 'CloseTicket'; data: { closedAt: string } };

export type TicketEvent =
  | { type: 'TicketOpened'; data: { ticketId: string; title: string; openedAt: string } }
  | { type: 'TicketCommented'; data: { text: string } }
  | { type: 'TicketClosed'; data: { closedAt: string } };

export type TicketState =
  | { status: 'empty' }
  | { status: 'open'; ticketId: string; comments: number }
  | { status: 'closed'; ticketId: string; comments: number };

export const ticketDecider: Decider<TicketCommand, TicketEvent, TicketState> = {
  initialState: () => ({ status: 'empty' }),
  decide(command, state) {
    switch (command.type) {
      case 'OpenTicket':
        if (state.status !== 'empty') throw new HoldfastError('already_exists', 'ticket already opened');
        return { type: 'TicketOpened', data: command.data };
      case 'CommentOnTicket':
        if (state.status !== 'open') throw new HoldfastError('conflict', 'only an open ticket takes comments');
        return { type: 'TicketCommented', data: command.data };
      case 'CloseTicket':
        if (state.status === 'closed') return []; // closing twice is a no-op
        if (state.status === 'empty') throw new HoldfastError('not_found', 'no such ticket');
        return [{ type: 'TicketClosed', data: command.data }];
      default: {
        const unknown: never = command;
        throw new HoldfastError('validation_failed', `unknown command ${JSON.stringify(unknown)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TicketOpened':
        return { status: 'open', ticketId: event.data.ticketId, comments: 0 };
      case 'TicketCommented':
        return state.status === 'empty' ? state : { ...state, comments: state.comments + 1 };
      case 'TicketClosed':
        return state.status === 'empty' ? state : { ...state, status: 'closed' };
      default:
        return state;
    }
  },
};
