package org.odmwatcher.workflow;

/**
 * Where each step of one job runs ({@link PlacementPlanner}).
 *
 * @param transfer download and upload
 * @param seed the seed step (before ODM)
 * @param process the ODM step
 * @param image ODM's image for the ODM step
 * @param gpu whether the ODM step has a GPU
 */
public record PlacementPlan(StepPlacement transfer, StepPlacement seed, StepPlacement process, String image, boolean gpu) {}
