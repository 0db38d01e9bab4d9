// Chronicle: composition root; everything it runs is chosen in @app/composition. It runs the role
// CHRONICLE_ROLE names (all of them in one process by default), as the one image does per service.
import 'reflect-metadata';
import { runChronicle } from '@app/composition';

void runChronicle();
