// Chronicle worker: composition root; everything it runs is chosen in @app/composition.
import 'reflect-metadata';
import { runChronicle } from '@app/composition';

void runChronicle('worker');
