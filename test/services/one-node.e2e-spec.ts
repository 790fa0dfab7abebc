import { chatContract } from './contract/chat.contract';
import { cursorsContract } from './contract/cursors.contract';
import { limitsContract } from './contract/limits.contract';
import { messagingContract } from './contract/messaging.contract';
import { useOneNode } from './support/setups';

/** PROTOCOL §8–§10 on one node (in-memory broker and roster). */
const setup = useOneNode();
messagingContract(setup);
chatContract(setup);
cursorsContract(setup);
limitsContract(setup);
